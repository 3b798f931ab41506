//! The browser driver of the Realtime state machine: a `WebSocket` and a timer, nothing else.
//! Every decision (what to send, when the socket is dead, when to retry) is the
//! [`RealtimeSession`]'s; this file only carries frames and time to it and does what it
//! answers. It uses `web_sys::WebSocket` directly: gloo-net's `websocket` feature would add
//! futures channels and a stream layer the machine does not need, to a bundle judged on size.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gloo_timers::callback::Interval;
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::realtime::{
    ConnectionState, Output, RealtimeEvent, RealtimeOptions, RealtimeSession, RealtimeStatus,
};

/// How often the machine is told the time: heartbeats, timeouts and retries are due to within
/// this (browsers stretch it in background tabs; `verify_now` makes up for that).
const TICK_MS: u32 = 500;

/// A live connection to the channel. Dropping it closes the socket and stops its timer.
pub struct RealtimeConnection {
    inner: Rc<Inner>,
}

struct Inner {
    session: RefCell<RealtimeSession>,
    socket: RefCell<Option<Socket>>,
    on_event: Rc<dyn Fn(RealtimeEvent)>,
    clock: fn() -> f64,
    timer: RefCell<Option<Interval>>,
    /// Tells the events of the current socket from late ones of a socket already replaced.
    last_socket_id: Cell<u64>,
    /// Set by `Drop`: whatever is still being applied must not reopen anything.
    dropped: Cell<bool>,
}

/// One browser socket with its handlers; dropping it detaches them and closes the socket.
struct Socket {
    id: u64,
    ws: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close_with_code(1000);
    }
}

impl RealtimeConnection {
    /// Connects and joins at once. `on_event` gets every [`RealtimeEvent`] (the first,
    /// `State(Connecting)`, before `start` returns); `clock` is `js_sys::Date::now` and
    /// `random` `js_sys::Math::random` (jitter of the retries).
    pub fn start(
        options: RealtimeOptions,
        access_token: Option<String>,
        on_event: Rc<dyn Fn(RealtimeEvent)>,
        clock: fn() -> f64,
        random: fn() -> f64,
    ) -> RealtimeConnection {
        let inner = Rc::new(Inner {
            session: RefCell::new(RealtimeSession::new(options, Box::new(random))),
            socket: RefCell::new(None),
            on_event,
            clock,
            timer: RefCell::new(None),
            last_socket_id: Cell::new(0),
            dropped: Cell::new(false),
        });
        let weak = Rc::downgrade(&inner);
        let timer = Interval::new(TICK_MS, move || {
            if let Some(inner) = weak.upgrade() {
                let now = (inner.clock)();
                let out = inner.session.borrow_mut().on_tick(now);
                inner.apply(out);
            }
        });
        *inner.timer.borrow_mut() = Some(timer);
        let now = clock();
        let mut out = inner
            .session
            .borrow_mut()
            .set_access_token(access_token, now);
        out.extend(inner.session.borrow_mut().connect(now));
        inner.apply(out);
        RealtimeConnection { inner }
    }

    /// A refreshed token (pushed to the joined channel), or another user's after a refusal.
    pub fn set_access_token(&self, access_token: Option<String>) {
        self.inner
            .run(|session, now| session.set_access_token(access_token, now));
    }

    /// What this client announces in presence; re-sent after every rejoin.
    pub fn track(&self, meta: Value) {
        self.inner.run(|session, now| session.track(meta, now));
    }

    /// Call when the tab becomes visible: checks the socket at once, reconnects if it is down.
    pub fn verify_now(&self) {
        self.inner.run(|session, now| session.verify_now(now));
    }

    /// Closes the socket; nothing is retried after this (drop the connection, or start another).
    pub fn close(&self) {
        self.inner.run(|session, _| session.disconnect());
    }

    pub fn status(&self) -> RealtimeStatus {
        self.inner.session.borrow().status().clone()
    }

    pub fn state(&self) -> ConnectionState {
        self.inner.session.borrow().state().clone()
    }
}

impl Drop for RealtimeConnection {
    fn drop(&mut self) {
        self.inner.dropped.set(true);
        self.inner.timer.borrow_mut().take();
        let socket = self.inner.socket.borrow_mut().take();
        drop(socket);
    }
}

impl Inner {
    /// One input to the machine, then its outputs. The session is never borrowed while the
    /// outputs run, so `on_event` may call back into the connection.
    fn run(self: &Rc<Self>, input: impl FnOnce(&mut RealtimeSession, f64) -> Vec<Output>) {
        let now = (self.clock)();
        let out = input(&mut self.session.borrow_mut(), now);
        self.apply(out);
    }

    fn apply(self: &Rc<Self>, out: Vec<Output>) {
        for output in out {
            if self.dropped.get() {
                return;
            }
            match output {
                Output::Open { url } => self.open(&url),
                Output::Send(text) => {
                    if let Some(socket) = &*self.socket.borrow() {
                        // A socket that cannot send is about to report its close.
                        let _ = socket.ws.send_with_str(&text);
                    }
                }
                Output::Close => {
                    let socket = self.socket.borrow_mut().take();
                    drop(socket);
                }
                Output::Event(event) => (self.on_event)(event),
            }
        }
    }

    fn open(self: &Rc<Self>, url: &str) {
        let old = self.socket.borrow_mut().take();
        drop(old);
        let id = self.last_socket_id.get() + 1;
        self.last_socket_id.set(id);
        let ws = match WebSocket::new(url) {
            Ok(ws) => ws,
            Err(error) => {
                let reason = error
                    .as_string()
                    .or_else(|| {
                        error
                            .dyn_ref::<js_sys::Error>()
                            .map(|e| String::from(e.message()))
                    })
                    .unwrap_or_else(|| "the WebSocket could not be created".to_owned());
                return self.run(|session, now| session.on_close(&reason, now));
            }
        };
        ws.set_binary_type(BinaryType::Arraybuffer);
        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut()>::new({
            let weak = weak.clone();
            move || dispatch(&weak, id, |session, now| session.on_open(now))
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = weak.clone();
            move |event: MessageEvent| {
                let data = event.data();
                if let Some(text) = data.as_string() {
                    dispatch(&weak, id, |session, now| session.on_text(&text, now));
                } else if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
                    let bytes = js_sys::Uint8Array::new(buffer).to_vec();
                    dispatch(&weak, id, |session, now| session.on_binary(&bytes, now));
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            let reason = match event.reason() {
                reason if reason.is_empty() => event.code().to_string(),
                reason => format!("{} {reason}", event.code()),
            };
            dispatch(&weak, id, |session, now| session.on_close(&reason, now));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        *self.socket.borrow_mut() = Some(Socket {
            id,
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
    }
}

/// An event of socket `id`, given to the machine if that socket is still the current one.
fn dispatch(
    weak: &Weak<Inner>,
    id: u64,
    input: impl FnOnce(&mut RealtimeSession, f64) -> Vec<Output>,
) {
    let Some(inner) = weak.upgrade() else {
        return;
    };
    let current = inner.socket.borrow().as_ref().map(|socket| socket.id);
    if current == Some(id) {
        inner.run(input);
    }
}
