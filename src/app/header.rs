//! The header: the app's name, navigation, the sync status, the language and the account.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use punctaj_core::permissions::Capability;

use crate::components::icon::{Icon, IconName};
use crate::components::language_picker::LanguagePicker;
use crate::components::sync_status::SyncStatus;
use crate::i18n::use_i18n;
use crate::routes;
use crate::session::use_session;
use crate::sync::{forget_local_copy, use_sync};

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let may_audit = move || {
        session.granted_access().is_some_and(|access| {
            punctaj_core::permissions::can(&access, Capability::Audit, None)
                || access.institutions.iter().any(|grant| {
                    punctaj_core::permissions::can(
                        &access,
                        Capability::Audit,
                        Some(grant.institution_id),
                    )
                })
        })
    };
    let may_manage_members = move || session.can(Capability::Members, None);
    let may_import = move || crate::pages::import::may_import(session);
    let who = move || {
        session
            .granted_access()
            .and_then(|access| access.display_name.clone().or(access.email.clone()))
            .unwrap_or_default()
    };
    let sign_out = move |_| {
        spawn_local(async move {
            // This browser forgets the data too: the next account starts clean.
            let _ = forget_local_copy(sync).await;
            session.sign_out().await;
        });
    };
    view! {
        <header class="app-header">
            <A href=routes::home() attr:class="brand"><Icon name=IconName::Star /> {move || i18n.texts().app_name}</A>
            <nav class="main-nav" aria-label=move || i18n.texts().nav_main>
                <A href=routes::home() attr:data-testid="nav-home" exact=true><Icon name=IconName::City /> {move || i18n.texts().nav_home}</A>
                <A href=routes::archive() attr:data-testid="nav-archive"><Icon name=IconName::Archive /> {move || i18n.texts().nav_archive}</A>
                <Show when=may_audit>
                    <A href=routes::audit() attr:data-testid="nav-audit"><Icon name=IconName::Journal /> {move || i18n.texts().nav_audit}</A>
                </Show>
                <Show when=may_manage_members>
                    <A href=routes::members() attr:data-testid="nav-members"><Icon name=IconName::Lock /> {move || i18n.texts().nav_members}</A>
                </Show>
                <Show when=may_import>
                    <A href=routes::import() attr:data-testid="nav-import"><Icon name=IconName::Inbox /> {move || i18n.texts().import.nav}</A>
                </Show>
                <A href=routes::settings() attr:data-testid="nav-settings"><Icon name=IconName::Settings /> {move || i18n.texts().nav_settings}</A>
            </nav>
            <SyncStatus />
            <div class="account">
                <span class="who" data-testid="signed-in-as">{who}</span>
                <LanguagePicker />
                <button class="button button-small" data-testid="sign-out" on:click=sign_out>
                    {move || i18n.texts().sign_out}
                </button>
            </div>
        </header>
    }
}
