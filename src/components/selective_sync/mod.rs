//! The chooser of what this device keeps (selective sync): everything, or some cities (each with
//! every institution it has, later ones too) and single institutions. The choice belongs to this
//! browser and takes effect at once, through a download of only what it adds.

use leptos::prelude::*;
use punctaj_core::model::{City, Institution};
use punctaj_core::selection::Selection;

use crate::components::toast::use_toasts;
use crate::i18n::use_i18n;
use crate::sync::{choose_selection, use_sync};

/// One city of the chooser, with its live institutions.
#[derive(Clone, Debug, PartialEq)]
struct CityChoice {
    city: City,
    institutions: Vec<Institution>,
}

#[component]
pub fn SelectiveSync() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let toasts = use_toasts();
    let choices = Memo::new(move |_| {
        sync.local.with(|local| {
            local
                .as_ref()
                .map(|local| {
                    let snapshot = &local.snapshot;
                    snapshot
                        .live_cities()
                        .map(|city| CityChoice {
                            city: city.clone(),
                            institutions: snapshot.institutions_of(city.id).cloned().collect(),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let selection = sync.selection;
    let everything = Memo::new(move |_| selection.with(Selection::is_everything));
    let change = move |edit: &dyn Fn(&mut Selection)| {
        let mut next = selection.get_untracked();
        edit(&mut next);
        if next != selection.get_untracked() {
            choose_selection(sync, next);
            toasts.info(i18n.texts().selective.applied);
        }
    };
    let on_edit = move |edit: SelectionEdit| {
        change(&|next| {
            if next.is_everything() {
                // Unticking a city while everything is kept keeps every other city.
                choices.with_untracked(|all| {
                    for choice in all {
                        next.toggle_city(choice.city.id, true);
                    }
                });
            }
            edit.apply(next);
        })
    };
    let summary = move || {
        let t = i18n.texts().selective;
        sync.local.with(|local| {
            let Some(local) = local else {
                return String::new();
            };
            let all = local
                .snapshot
                .institutions
                .iter()
                .filter(|i| i.is_live())
                .count();
            selection.with(|selection| {
                if selection.is_everything() {
                    t.everything.to_owned()
                } else {
                    (t.summary)(
                        selection.cities.len(),
                        selection.kept_institutions(&local.snapshot).len(),
                        all,
                    )
                }
            })
        })
    };
    view! {
        <fieldset class="selective-sync" data-testid="selective-sync">
            <legend>{move || i18n.texts().selective.title}</legend>
            <p class="hint">{move || i18n.texts().selective.explain}</p>
            <label class="checkbox-label">
                <input
                    type="checkbox"
                    data-testid="selective-scope"
                    data-scope="all"
                    prop:checked=move || everything.get()
                    on:change=move |event| {
                        if event_target_checked(&event) {
                            change(&|next| *next = Selection::everything());
                        } else {
                            // Unticking "everything" starts from nothing chosen: keeping the
                            // first city shown is the least surprising way to say "only some".
                            let first = choices.with_untracked(|c| c.first().map(|c| c.city.id));
                            change(&|next| {
                                if let Some(id) = first {
                                    next.toggle_city(id, true);
                                }
                            });
                        }
                    }
                />
                <span>{move || i18n.texts().selective.everything}</span>
            </label>
            <ul class="selective-cities">
                <For each=move || choices.get() key=|choice| (choice.city.id, choice.city.name.clone()) let:choice>
                    <CityRow choice=choice.clone() everything change=Callback::new(on_edit) />
                </For>
            </ul>
            <p class="selective-summary" data-testid="selective-summary">{summary}</p>
        </fieldset>
    }
}

/// One tick of the chooser.
#[derive(Clone, Copy, Debug, PartialEq)]
enum SelectionEdit {
    City(i64, bool),
    Institution(i64, bool),
}

impl SelectionEdit {
    fn apply(self, selection: &mut Selection) {
        match self {
            SelectionEdit::City(id, keep) => selection.toggle_city(id, keep),
            SelectionEdit::Institution(id, keep) => selection.toggle_institution(id, keep),
        }
    }
}

#[component]
fn CityRow(
    choice: CityChoice,
    everything: Memo<bool>,
    change: Callback<SelectionEdit>,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let city_id = choice.city.id;
    let city_kept = Memo::new(move |_| sync.selection.with(|s| s.cities.contains(&city_id)));
    let institutions = choice
        .institutions
        .iter()
        .map(|institution| {
            let id = institution.id;
            let name = institution.name.clone();
            let kept = Memo::new(move |_| sync.selection.with(|s| s.institutions.contains(&id)));
            view! {
                <li>
                    <label class="checkbox-label">
                        <input
                            type="checkbox"
                            data-testid="selective-scope"
                            data-scope=format!("institution:{id}")
                            prop:checked=move || everything.get() || city_kept.get() || kept.get()
                            prop:disabled=move || everything.get() || city_kept.get()
                            on:change=move |event| {
                                change.run(SelectionEdit::Institution(id, event_target_checked(&event)))
                            }
                        />
                        <span>{name}</span>
                    </label>
                </li>
            }
        })
        .collect_view();
    view! {
        <li class="selective-city">
            <label class="checkbox-label">
                <input
                    type="checkbox"
                    data-testid="selective-scope"
                    data-scope=format!("city:{city_id}")
                    prop:checked=move || everything.get() || city_kept.get()
                    on:change=move |event| change.run(SelectionEdit::City(city_id, event_target_checked(&event)))
                />
                <strong>{choice.city.name.clone()}</strong>
                <span class="hint">" (" {move || i18n.texts().selective.whole_city} ")"</span>
            </label>
            <ul class="selective-institutions">{institutions}</ul>
        </li>
    }
}
