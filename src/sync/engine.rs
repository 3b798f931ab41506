//! The sync engine's state, shared by the whole app: the installed local copy, what the cloud
//! says, the version checks, the download in progress, and the `locked` signal derived from them.

use std::sync::Arc;

use leptos::prelude::*;
use punctaj_core::live::{CheckSchedule, ClientPresence, RttHistory};
use punctaj_core::selection::Selection;
use punctaj_core::sync::{CloudMeta, DownloadProgress, VersionStamp, compare};

use crate::session::SessionContext;

use super::local_copy::LocalCopy;

/// How the last version checks went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckState {
    pub in_flight: bool,
    /// When the last check succeeded (browser clock, ms).
    pub last_ok_ms: Option<f64>,
    pub consecutive_failures: u32,
    pub last_error: Option<CheckError>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CheckError {
    /// No answer (network down, timeout): keep working read-only.
    Offline,
    /// The server answered with an error.
    Failed(punctaj_supabase::SupabaseError),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum DownloadState {
    #[default]
    Idle,
    Running(DownloadProgress),
    /// Installed; shown at 100 % for a moment before the overlay goes.
    Completed(DownloadProgress),
    Failed(super::download_error::DownloadError),
}

/// What the status indicator shows (`data-state` of `sync-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    Ok,
    Checking,
    Offline,
    Error,
    Locked,
}

impl Indicator {
    pub fn as_str(self) -> &'static str {
        match self {
            Indicator::Ok => "ok",
            Indicator::Checking => "checking",
            Indicator::Offline => "offline",
            Indicator::Error => "error",
            Indicator::Locked => "locked",
        }
    }
}

/// The push connection (Supabase Realtime), as the status indicator and settings show it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum PushState {
    /// Not started: configured off, or not signed in with access yet.
    #[default]
    Off,
    Connecting,
    /// Joined the sync channel: changes arrive as they happen.
    Live,
    /// Lost; the client retries by itself (at `retry_at_ms`, browser clock).
    Down {
        reason: String,
        retry_at_ms: Option<f64>,
    },
    /// The server refused the join (the token or the account's access); retried when the
    /// session changes.
    Refused {
        reason: String,
    },
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PushHealth {
    pub state: PushState,
    /// When the last heartbeat reply came (browser clock, ms), and how long it took.
    pub last_heartbeat_ms: Option<f64>,
    pub heartbeat_rtt_ms: Option<f64>,
}

#[derive(Clone, Copy)]
pub struct SyncEngine {
    pub session: SessionContext,
    /// The installed data; `None` until the first download (or the restore from IndexedDB).
    pub local: RwSignal<Option<Arc<LocalCopy>>>,
    /// The cloud's version row, from the last successful check.
    pub cloud: RwSignal<Option<CloudMeta>>,
    pub check: RwSignal<CheckState>,
    pub download: RwSignal<DownloadState>,
    /// The stamp of this client's own change while it is being adopted: the cloud showing it
    /// must not lock the client that made it.
    pub(super) pending_own: RwSignal<Option<VersionStamp>>,
    /// The local copy has been looked for in IndexedDB (found or not).
    pub restored: RwSignal<bool>,
    /// Ticks every second with the checks, for "checked N s ago".
    pub now_ms: RwSignal<f64>,
    /// Counts the downloads recorded in `sync_log`, so that a page showing it reads it again.
    pub logged_downloads: RwSignal<u32>,
    /// How often to check, and whether to open the push connection (`config.json`).
    pub schedule: CheckSchedule,
    pub push: RwSignal<PushHealth>,
    /// The clients on the sync channel (this one included), as Presence reports them.
    pub presence: RwSignal<Vec<ClientPresence>>,
    /// The version checks' round trips over the last minutes.
    pub check_rtt: RwSignal<RttHistory>,
    /// Notified to check the version at once (a broadcast arrived, push came back).
    pub check_requested: Trigger,
    /// Push is joined: the check may run at the relaxed interval.
    pub push_live: Memo<bool>,
    /// What this browser keeps (settings; persisted per browser). The installed copy follows it
    /// with a download.
    pub selection: RwSignal<Selection>,
    /// Changes in scopes this device does not keep, taken without downloading since the last
    /// download (the status says so).
    pub elsewhere: RwSignal<u32>,
    /// The whole UI is disabled except the download button.
    pub locked: Memo<bool>,
    /// The lock overlay is up: locked, or a download just completed (shown at 100 %).
    pub overlay_visible: Memo<bool>,
    pub indicator: Memo<Indicator>,
}

impl SyncEngine {
    pub(super) fn new(
        session: SessionContext,
        schedule: CheckSchedule,
        selection: Selection,
    ) -> Self {
        let local = RwSignal::new(None::<Arc<LocalCopy>>);
        let selection = RwSignal::new(selection);
        let cloud = RwSignal::new(None::<CloudMeta>);
        let check = RwSignal::new(CheckState::default());
        let pending_own = RwSignal::new(None::<VersionStamp>);
        let restored = RwSignal::new(false);
        let locked = Memo::new(move |_| {
            if !session.is_granted() || !restored.get() {
                return false;
            }
            let Some(local) = local.get() else {
                // Nothing installed yet: the first download must complete.
                return true;
            };
            // A new choice of what to keep is installed by a download, shown like any other.
            if selection.with(|wanted| *wanted != local.selection) {
                return true;
            }
            let Some(cloud) = cloud.get() else {
                // Not checked yet, or offline: the local copy stays usable read-only.
                return false;
            };
            let own_change_in_flight = pending_own.get().is_some_and(|own| {
                own.version == cloud.version && own.data_hash.trim() == cloud.data_hash.trim()
            });
            compare(Some(&local.stamp), &cloud).is_locked() && !own_change_in_flight
        });
        let indicator = Memo::new(move |_| {
            if locked.get() {
                return Indicator::Locked;
            }
            check.with(|check| match (&check.last_error, check.last_ok_ms) {
                (Some(CheckError::Offline), _) => Indicator::Offline,
                (Some(CheckError::Failed(_)), _) => Indicator::Error,
                (None, None) => Indicator::Checking,
                (None, Some(_)) => Indicator::Ok,
            })
        });
        let download = RwSignal::new(DownloadState::Idle);
        let overlay_visible = Memo::new(move |_| {
            locked.get() || download.with(|state| matches!(state, DownloadState::Completed(_)))
        });
        let push = RwSignal::new(PushHealth::default());
        let push_live = Memo::new(move |_| push.with(|push| push.state == PushState::Live));
        SyncEngine {
            session,
            local,
            cloud,
            check,
            download,
            pending_own,
            restored,
            now_ms: RwSignal::new(crate::browser::now_ms()),
            logged_downloads: RwSignal::new(0),
            schedule,
            push,
            presence: RwSignal::new(Vec::new()),
            check_rtt: RwSignal::new(RttHistory::default()),
            check_requested: Trigger::new(),
            selection,
            elsewhere: RwSignal::new(0),
            push_live,
            locked,
            overlay_visible,
            indicator,
        }
    }

    /// The installed snapshot's data, for the pages (reactive).
    pub fn snapshot(&self) -> Option<Arc<LocalCopy>> {
        self.local.get()
    }

    /// Changes may be attempted: signed in, not locked, the cloud reachable (reactive).
    pub fn can_write(&self) -> bool {
        !self.locked.get()
            && self.local.with(Option::is_some)
            && self
                .check
                .with(|check| !matches!(check.last_error, Some(CheckError::Offline)))
    }

    /// Asks the checker for a version check now (it never runs two at once).
    pub fn request_check(&self) {
        self.check_requested.notify();
    }

    pub fn is_downloading(&self) -> bool {
        self.download
            .with(|state| matches!(state, DownloadState::Running(_)))
    }
}
