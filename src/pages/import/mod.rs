//! "Import" (owners and admins): the old desktop app's folder — picked, dropped or zipped — is
//! read in the browser, previewed against the verified local copy of the cloud, and written in
//! one transaction when the user confirms. Every choice (server, source, time zone, invitations)
//! recomputes the preview at once; nothing is written before the confirmation.

mod choices;
mod outcome;
mod picker;
mod preview;
mod problems;

use std::collections::BTreeSet;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use punctaj_core::legacy::LegacyFolder;
use punctaj_core::legacy::path::SourceId;
use punctaj_core::legacy::plan::{KnownInvite, KnownObjects, PlanChoices, plan};
use punctaj_core::permissions::{Capability, GlobalRole};
use punctaj_supabase::SendOptions;

use crate::api;
use crate::components::icon::{Icon, IconName};
use crate::i18n::use_i18n;
use crate::import::intl_time_zone::{DEFAULT_TIME_ZONE, IntlTimeZone};
use crate::import::picked_files::PickedFile;
use crate::import::read_folder::read_folder;
use crate::session::{SessionContext, use_session};
use crate::sync::{SyncEngine, archive_text, use_sync};

use choices::ImportChoices;
use outcome::{ImportActions, RunState};
use picker::FolderPicker;
use preview::ImportPreview;

/// Owners and admins: an import writes structure and invites members.
pub fn may_import(session: SessionContext) -> bool {
    session.can(Capability::Structure, None) && session.can(Capability::Members, None)
}

/// Why there is no preview yet.
#[derive(Clone, Debug, PartialEq)]
enum Waiting {
    /// The folder holds several servers: the user says which.
    Server,
    /// The local copy of the cloud, or what the cloud holds beyond it, is still loading.
    Cloud,
    UnknownTimeZone(String),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <section class="import-page">
            <h1><Icon name=IconName::Inbox /> {move || i18n.texts().import.title}</h1>
            <Show
                when=move || may_import(session)
                fallback=move || view! { <p class="notice" data-testid="import-refused">{move || i18n.texts().import.refused}</p> }
            >
                <ImportFlow />
            </Show>
        </section>
    }
}

#[component]
fn ImportFlow() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let session = use_session();

    let folder: RwSignal<Option<Arc<LegacyFolder>>> = RwSignal::new(None);
    let reading: RwSignal<Option<(u64, u64)>> = RwSignal::new(None);
    let server: RwSignal<Option<String>> = RwSignal::new(None);
    let source: RwSignal<Option<SourceId>> = RwSignal::new(None);
    let time_zone = RwSignal::new(DEFAULT_TIME_ZONE.to_owned());
    let declined: RwSignal<BTreeSet<String>> = RwSignal::new(BTreeSet::new());
    let run = RwSignal::new(RunState::Idle);

    let on_pick = Callback::new(move |files: Vec<PickedFile>| {
        let total = files.len() as u64;
        reading.set(Some((0, total)));
        run.set(RunState::Idle);
        spawn_local(async move {
            let read = read_folder(&files, |done, total| {
                let _ = reading.try_set(Some((done, total)));
            })
            .await;
            let _ = server.try_set(read.default_server());
            let _ = source.try_set(None);
            let _ = declined.try_set(BTreeSet::new());
            let _ = folder.try_set(Some(Arc::new(read)));
            let _ = reading.try_set(None);
        });
    });

    let known = known_objects(sync, session, folder);
    let may_invite_admins = Memo::new(move |_| {
        session
            .granted_access()
            .is_some_and(|access| access.global_role == Some(GlobalRole::Owner))
    });
    let preview = Memo::new(move |_| {
        let folder = folder.get()?;
        let needs_server = folder.servers().len() > 1;
        let server = server.get();
        if needs_server && server.is_none() {
            return Some(Err(Waiting::Server));
        }
        let zone_name = time_zone.get();
        let Ok(zone) = IntlTimeZone::new(&zone_name) else {
            return Some(Err(Waiting::UnknownTimeZone(zone_name)));
        };
        let Some(local) = sync.local.get() else {
            return Some(Err(Waiting::Cloud));
        };
        let Some(known) = known.get() else {
            return Some(Err(Waiting::Cloud));
        };
        let accepted: BTreeSet<String> = {
            let declined = declined.get();
            folder
                .invite_ids()
                .into_iter()
                .filter(|id| !declined.contains(id))
                .collect()
        };
        let mut choices = PlanChoices {
            server,
            source: source.get(),
            time_zone: &zone,
            excluded_paths: BTreeSet::new(),
            accepted_invites: accepted,
        };
        let mut planned = plan(&folder, &choices, &local.snapshot, &known);
        // The database lets only an owner invite an administrator: an admin's import offers
        // those accounts without accepting them.
        if !may_invite_admins.get() {
            let admins: BTreeSet<String> = planned
                .invites
                .iter()
                .filter(|offer| offer.global_role == Some(GlobalRole::Admin))
                .map(|offer| offer.discord_id.clone())
                .collect();
            if admins
                .iter()
                .any(|id| choices.accepted_invites.contains(id))
            {
                choices.accepted_invites.retain(|id| !admins.contains(id));
                planned = plan(&folder, &choices, &local.snapshot, &known);
            }
        }
        Some(Ok(Arc::new(planned)))
    });
    let current_plan = Memo::new(move |_| preview.get().and_then(Result::ok));

    view! {
        <p class="hint">{move || i18n.texts().import.intro}</p>
        <FolderPicker on_pick disabled=Signal::derive(move || reading.get().is_some() || run.with(RunState::is_running)) />
        <Show when=move || reading.get().is_some()>
            <crate::components::progress_bar::ProgressBar
                percent=Signal::derive(move || {
                    reading.get().map_or(0, |(done, total)| percent(done, total))
                })
                label=Signal::derive(move || {
                    let (done, total) = reading.get().unwrap_or_default();
                    (i18n.texts().import.reading)(done, total)
                })
                testid="import-reading"
            />
        </Show>
        <Show when=move || folder.with(Option::is_some) && reading.get().is_none()>
            <ImportChoices folder server source time_zone />
            {move || match preview.get() {
                None => ().into_any(),
                Some(Err(Waiting::Server)) => view! { <p class="notice">{move || i18n.texts().import.server_hint}</p> }.into_any(),
                Some(Err(Waiting::Cloud)) => view! { <p class="hint">{move || i18n.texts().import.no_local_copy}</p> }.into_any(),
                Some(Err(Waiting::UnknownTimeZone(zone))) => view! {
                    <p class="field-error" role="alert">{move || (i18n.texts().import.time_zone_unknown)(&zone)}</p>
                }.into_any(),
                Some(Ok(plan)) => view! { <ImportPreview plan declined may_invite_admins /> }.into_any(),
            }}
            <ImportActions plan=current_plan folder run />
        </Show>
    }
}

/// What the plan needs of the cloud beyond the local copy: the texts of the cached archives (an
/// archive already in the bucket with the same bytes is not uploaded again) and the legacy audit
/// entries already imported. Loaded again when the local copy changes.
fn known_objects(
    sync: SyncEngine,
    session: SessionContext,
    folder: RwSignal<Option<Arc<LegacyFolder>>>,
) -> Signal<Option<Arc<KnownObjects>>> {
    let resource = LocalResource::new(move || {
        let stamp = sync
            .local
            .with(|local| local.as_ref().map(|local| local.stamp.clone()));
        let keys: Vec<String> = sync.local.with(|local| {
            local
                .as_ref()
                .map(|local| {
                    local
                        .archives
                        .iter()
                        .map(|archive| archive.object.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        });
        let wanted = folder.with(Option::is_some);
        let client = session.client();
        async move {
            if !wanted || stamp.is_none() {
                return None;
            }
            let mut known = KnownObjects::default();
            let texts = futures::future::join_all(keys.iter().map(|key| archive_text(key))).await;
            for (key, text) in keys.into_iter().zip(texts) {
                if let Ok(Some(text)) = text {
                    known.archives.insert(key, text);
                }
            }
            known.legacy_audit_ids = api::legacy_audit_ids(&client).await.unwrap_or_default();
            let invites = api::discord_invites(&client, SendOptions::default()).await;
            for invite in invites.unwrap_or_default() {
                known
                    .invites
                    .insert(invite.discord_id.clone(), known_invite(&invite));
            }
            Some(Arc::new(known))
        }
    });
    Signal::derive(move || resource.get().flatten())
}

/// An invitation as the plan compares it; a role it cannot read counts as different.
fn known_invite(invite: &api::DiscordInvite) -> KnownInvite {
    fn parse<T: serde::de::DeserializeOwned>(role: &str) -> Option<T> {
        serde_json::from_value(serde_json::Value::from(role)).ok()
    }
    KnownInvite {
        accepted: invite.accepted_at.is_some(),
        global_role: invite.global_role.as_deref().and_then(parse),
        institutions: invite
            .institution_roles
            .iter()
            .filter_map(|grant| Some((grant.institution_id, parse(&grant.role)?)))
            .collect(),
    }
}

fn percent(done: u64, total: u64) -> u8 {
    if total == 0 {
        return 0;
    }
    u8::try_from(done.saturating_mul(100) / total).unwrap_or(100)
}
