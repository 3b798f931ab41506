//! Who is online and on which version (Realtime Presence), and how far the newest version has
//! reached: after a force sync its author watches "n of m clients on version v" rise.

use leptos::prelude::*;
use punctaj_core::live::reach;

use crate::i18n::use_i18n;
use crate::sync::use_sync;

#[component]
pub fn PresenceList() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    // The newest version anyone knows of: the cloud's, else this client's own.
    let newest = Memo::new(move |_| {
        sync.cloud
            .with(|cloud| cloud.as_ref().map(|cloud| cloud.version))
            .or_else(|| {
                sync.local
                    .with(|local| local.as_ref().map(|l| l.stamp.version))
            })
            .unwrap_or(0)
    });
    let synced = move || {
        let version = newest.get();
        let figure = sync.presence.with(|clients| reach(clients, version));
        (i18n.texts().presence_synced)(figure.on_version, figure.total, version)
    };
    let clients = move || {
        let mut clients = sync.presence.get();
        clients.sort_by(|a, b| a.name.cmp(&b.name).then(b.version.cmp(&a.version)));
        clients
    };
    view! {
        <section class="presence">
            <h3>{move || i18n.texts().presence_title}</h3>
            <p class="presence-synced" data-testid="presence-synced" aria-live="polite">{synced}</p>
            <ul class="presence-list" data-testid="presence-list">
                <For each=clients key=|client| (client.name.clone(), client.version, client.locked) let:client>
                    <li class="presence-item" data-testid="presence-item" data-version=client.version data-locked=client.locked.to_string()>
                        <span class="presence-name">{client.name.clone()}</span>
                        <span class="presence-version">"v" {client.version}</span>
                        <Show when=move || client.locked>
                            <span class="presence-locked">{move || i18n.texts().presence_locked}</span>
                        </Show>
                    </li>
                </For>
            </ul>
            <Show when=move || sync.presence.with(Vec::is_empty)>
                <p class="empty">{move || i18n.texts().presence_empty}</p>
            </Show>
        </section>
    }
}
