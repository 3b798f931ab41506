//! The choices of an import: which server this community is (when the folder holds several),
//! which source of tables (the live data/ or one of the old app's backups), and the time zone
//! the old app wrote its local times in.

use std::sync::Arc;

use leptos::prelude::*;
use punctaj_core::legacy::LegacyFolder;
use punctaj_core::legacy::path::SourceId;

use crate::i18n::use_i18n;
use crate::import::intl_time_zone::known_time_zones;

/// `<option value>` of a source.
fn source_value(source: SourceId) -> String {
    match source {
        SourceId::Live => "live".to_owned(),
        SourceId::Backup(stamp) => stamp.format("%Y%m%d_%H%M%S").to_string(),
    }
}

#[component]
pub fn ImportChoices(
    folder: RwSignal<Option<Arc<LegacyFolder>>>,
    server: RwSignal<Option<String>>,
    source: RwSignal<Option<SourceId>>,
    time_zone: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let servers =
        Memo::new(move |_| folder.with(|f| f.as_ref().map(|f| f.servers()).unwrap_or_default()));
    let sources = Memo::new(move |_| {
        let server = server.get();
        folder.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.sources(server.as_deref())
                        .into_iter()
                        .map(|s| s.id)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let chosen_source = Memo::new(move |_| {
        source.get().unwrap_or_else(|| {
            let server = server.get();
            folder.with(|f| {
                f.as_ref()
                    .map_or(SourceId::Live, |f| f.default_source(server.as_deref()))
            })
        })
    });
    let zones = known_time_zones();
    view! {
        <div class="import-choices">
            <Show when=move || servers.with(|s| s.len() > 1)>
                <label>
                    <span>{move || i18n.texts().import.server_label}</span>
                    <select data-testid="import-server" on:change:target=move |e| {
                        let value = e.target().value();
                        server.set((!value.is_empty()).then_some(value));
                        source.set(None);
                    }>
                        <option value="" selected=move || server.with(Option::is_none)>
                            {move || i18n.texts().import.server_choose}
                        </option>
                        {move || servers.get().into_iter().map(|name| {
                            let selected = {
                                let name = name.clone();
                                move || server.with(|s| s.as_deref() == Some(name.as_str()))
                            };
                            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <Show when=move || sources.with(|s| s.len() > 1)>
                <label>
                    <span>{move || i18n.texts().import.source_label}</span>
                    <select data-testid="import-source" on:change:target=move |e| {
                        let value = e.target().value();
                        let picked = sources.get_untracked().into_iter().find(|s| source_value(*s) == value);
                        source.set(picked);
                    }>
                        {move || sources.get().into_iter().map(|id| {
                            let label = move || match id {
                                SourceId::Live => i18n.texts().import.source_live.to_owned(),
                                SourceId::Backup(stamp) => (i18n.texts().import.source_backup)(&stamp.format("%Y-%m-%d %H:%M:%S").to_string()),
                            };
                            view! { <option value=source_value(id) selected=move || chosen_source.get() == id>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            </Show>
            <label>
                <span>{move || i18n.texts().import.time_zone_label}</span>
                <select data-testid="import-timezone" title=move || i18n.texts().import.time_zone_hint
                    on:change:target=move |e| time_zone.set(e.target().value())>
                    {zones.into_iter().map(|zone| {
                        let selected = {
                            let zone = zone.clone();
                            move || time_zone.with(|chosen| *chosen == zone)
                        };
                        view! { <option value=zone.clone() selected=selected>{zone.clone()}</option> }
                    }).collect_view()}
                </select>
            </label>
        </div>
    }
}
