//! Cancelling requests from outside: a component that goes away aborts what it started.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// A cancellation signal shared by any number of requests: [`abort`](Self::abort) ends every
/// request sent with it (they fail with `SupabaseError::Aborted`), now and later.
///
/// `Send + Sync`, so it can go into Leptos's `on_cleanup` as it is:
/// `let handle = AbortHandle::new(); on_cleanup({ let h = handle.clone(); move || h.abort() });`
#[derive(Clone, Default)]
pub struct AbortHandle {
    state: Arc<Mutex<AbortState>>,
}

#[derive(Default)]
struct AbortState {
    aborted: bool,
    /// Requests in flight waiting to hear about an abort, by waiter id.
    waiters: Vec<(u64, Waker)>,
    next_waiter: u64,
}

impl AbortHandle {
    pub fn new() -> Self {
        Self::default()
    }

    /// Aborts every request sent with this handle; later ones fail at once.
    pub fn abort(&self) {
        let waiters = {
            let mut state = self.lock();
            state.aborted = true;
            std::mem::take(&mut state.waiters)
        };
        for (_, waker) in waiters {
            waker.wake();
        }
    }

    pub fn is_aborted(&self) -> bool {
        self.lock().aborted
    }

    /// Completes once [`abort`](Self::abort) has been called (at once if it already was).
    pub fn aborted(&self) -> WhenAborted {
        WhenAborted {
            handle: self.clone(),
            waiter: None,
        }
    }

    fn lock(&self) -> MutexGuard<'_, AbortState> {
        // The state stays consistent even if a holder panicked: every update is one statement.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("aborted", &self.is_aborted())
            .finish()
    }
}

/// The future of [`AbortHandle::aborted`]; dropping it stops the waiting.
pub struct WhenAborted {
    handle: AbortHandle,
    waiter: Option<u64>,
}

impl Future for WhenAborted {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.handle.lock();
        if state.aborted {
            return Poll::Ready(());
        }
        let id = match this.waiter {
            Some(id) => id,
            None => {
                let id = state.next_waiter;
                state.next_waiter += 1;
                this.waiter = Some(id);
                id
            }
        };
        match state.waiters.iter_mut().find(|(waiter, _)| *waiter == id) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => state.waiters.push((id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for WhenAborted {
    /// A long-lived handle (one per page) must not collect the wakers of finished requests.
    fn drop(&mut self) {
        if let Some(id) = self.waiter {
            self.handle
                .lock()
                .waiters
                .retain(|(waiter, _)| *waiter != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    #[test]
    fn aborted_completes_after_abort() {
        let handle = AbortHandle::new();
        let mut waiting = handle.aborted();
        assert_eq!((&mut waiting).now_or_never(), None);
        handle.abort();
        assert!(handle.is_aborted());
        assert_eq!(waiting.now_or_never(), Some(()));
        assert_eq!(handle.aborted().now_or_never(), Some(()));
    }

    #[test]
    fn can_move_into_leptos_on_cleanup() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<AbortHandle>();
    }

    #[test]
    fn abort_reaches_every_clone() {
        let handle = AbortHandle::new();
        let clone = handle.clone();
        clone.abort();
        assert!(handle.is_aborted());
    }

    #[test]
    fn finished_waits_leave_no_waker_behind() {
        let handle = AbortHandle::new();
        for _ in 0..3 {
            let mut waiting = handle.aborted();
            assert_eq!((&mut waiting).now_or_never(), None);
            assert_eq!((&mut waiting).now_or_never(), None);
        }
        assert!(handle.lock().waiters.is_empty());
    }
}
