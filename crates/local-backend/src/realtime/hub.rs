//! The Realtime server's shared state, held in `AppState`: the topic registry and every open
//! socket (so a shutdown can close them all).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::channels::{Registry, SocketHandle};

/// The Realtime server's shared state: every socket and every topic.
#[derive(Clone, Debug, Default)]
pub struct Realtime {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    registry: Registry,
    next_id: AtomicU64,
    sockets: Mutex<HashMap<u64, Arc<SocketHandle>>>,
}

/// Removes a socket from the server's list when its task ends, however it ends.
pub struct Registration {
    realtime: Realtime,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.realtime
            .inner
            .sockets
            .lock()
            .expect("sockets")
            .remove(&self.id);
    }
}

impl Realtime {
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// A new id for a socket or a joined channel.
    pub fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn connection_count(&self) -> usize {
        self.inner.sockets.lock().expect("sockets").len()
    }

    pub fn register(&self, handle: Arc<SocketHandle>) -> Registration {
        let id = handle.id;
        self.inner
            .sockets
            .lock()
            .expect("sockets")
            .insert(id, handle);
        Registration {
            realtime: self.clone(),
            id,
        }
    }

    /// Closes every socket (server shutdown: clients reconnect to the next server).
    pub fn close_all(&self) {
        for handle in self.inner.sockets.lock().expect("sockets").values() {
            handle.kill(1001, "server shutting down");
        }
    }

    /// Waits (bounded) until every socket task has finished closing.
    pub async fn wait_closed(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.connection_count() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
