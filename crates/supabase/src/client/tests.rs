//! The session logic of the client, over a scripted transport and a hand-set clock.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::executor::block_on;
use futures::future::join3;
use serde_json::{Value, json};

use super::*;
use crate::auth::User;
use crate::error::ErrorKind;
use crate::jwt::tests::unsigned_jwt;
use crate::request::Method;

const NOW: i64 = 1_700_000_000;

/// Answers requests in order with the replies it was given, and records what was sent.
#[derive(Default)]
struct ScriptedTransport {
    sent: RefCell<Vec<HttpRequest>>,
    replies: RefCell<VecDeque<Reply>>,
}

enum Reply {
    Now(Result<HttpResponse, SupabaseError>),
    /// Answered when the test sends on the other end of the channel.
    Later(oneshot::Receiver<HttpResponse>),
}

impl Transport for ScriptedTransport {
    fn send(&self, request: HttpRequest, _options: SendOptions) -> TransportFuture {
        let reply = self.replies.borrow_mut().pop_front();
        let Some(reply) = reply else {
            panic!("no reply scripted for {} {}", request.method, request.url);
        };
        self.sent.borrow_mut().push(request);
        match reply {
            Reply::Now(result) => Box::pin(async move { result }),
            Reply::Later(answer) => {
                Box::pin(async move { answer.await.map_err(|_| SupabaseError::Aborted) })
            }
        }
    }
}

struct Fixture {
    client: SupabaseClient,
    transport: Rc<ScriptedTransport>,
    store: Rc<MemorySessionStore>,
    clock: Rc<Cell<i64>>,
    events: Rc<RefCell<Vec<SessionEvent>>>,
}

impl Fixture {
    fn new(session: Option<Session>) -> Self {
        let transport = Rc::new(ScriptedTransport::default());
        let store = Rc::new(MemorySessionStore::new(session));
        let clock = Rc::new(Cell::new(NOW));
        let client = SupabaseClient::new(
            config(),
            transport.clone(),
            store.clone(),
            Rc::new({
                let clock = clock.clone();
                move || clock.get()
            }),
        );
        let events = Rc::new(RefCell::new(Vec::new()));
        client.subscribe({
            let events = events.clone();
            move |event| events.borrow_mut().push(event.clone())
        });
        Self {
            client,
            transport,
            store,
            clock,
            events,
        }
    }

    fn reply(&self, result: Result<HttpResponse, SupabaseError>) -> &Self {
        self.transport
            .replies
            .borrow_mut()
            .push_back(Reply::Now(result));
        self
    }

    fn reply_later(&self) -> oneshot::Sender<HttpResponse> {
        let (answer, receiver) = oneshot::channel();
        self.transport
            .replies
            .borrow_mut()
            .push_back(Reply::Later(receiver));
        answer
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.transport.sent.borrow().clone()
    }

    fn bearers(&self) -> Vec<String> {
        self.sent()
            .iter()
            .map(|request| request.header("authorization").unwrap_or("").to_owned())
            .collect()
    }

    fn select_request(&self) -> HttpRequest {
        self.client.rest().from("cities").select("id").build()
    }
}

fn anon_key() -> String {
    unsigned_jwt(&json!({"role": "anon"}))
}

fn config() -> SupabaseConfig {
    SupabaseConfig::new("https://abc.supabase.co", &anon_key()).unwrap()
}

fn user() -> User {
    User {
        id: "u1".into(),
        email: Some("ana@example.com".into()),
        app_metadata: Value::Null,
        user_metadata: Value::Null,
    }
}

fn session(access_token: &str, refresh_token: &str, expires_at: i64) -> Session {
    Session {
        access_token: access_token.into(),
        refresh_token: refresh_token.into(),
        token_type: "bearer".into(),
        expires_in: 3600,
        expires_at,
        user: user(),
    }
}

fn json_response(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn ok() -> Result<HttpResponse, SupabaseError> {
    Ok(json_response(200, json!([{"id": 1}])))
}

fn token(access_token: &str, refresh_token: &str) -> HttpResponse {
    json_response(
        200,
        json!({
            "access_token": access_token, "refresh_token": refresh_token,
            "token_type": "bearer", "expires_in": 3600, "expires_at": NOW + 3600,
            "user": {"id": "u1", "email": "ana@example.com"}
        }),
    )
}

fn jwt_expired() -> Result<HttpResponse, SupabaseError> {
    Ok(json_response(
        401,
        json!({"code": "PGRST303", "details": null, "hint": null, "message": "JWT expired"}),
    ))
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn signed_out_requests_carry_the_anon_key() {
    let fixture = Fixture::new(None);
    fixture.reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();
    let sent = fixture.sent();
    assert_eq!(sent[0].header("apikey"), Some(anon_key().as_str()));
    assert_eq!(fixture.bearers(), [bearer(&anon_key())]);
}

#[test]
fn signed_in_requests_carry_the_access_token() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture.reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();
    assert_eq!(
        fixture.sent()[0].header("apikey"),
        Some(anon_key().as_str())
    );
    assert_eq!(fixture.bearers(), [bearer("a1")]);
}

#[test]
fn service_errors_come_back_typed() {
    let fixture = Fixture::new(None);
    fixture.reply(Ok(json_response(
        403,
        json!({"code": "42501", "details": null, "hint": null, "message": "permission denied"}),
    )));
    let error = block_on(fixture.client.execute(fixture.select_request())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden);
    assert_eq!(error.code(), Some("42501"));
}

#[test]
fn token_expiring_within_a_minute_is_renewed_before_sending() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 30)));
    fixture.reply(Ok(token("a2", "r2"))).reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();

    let sent = fixture.sent();
    assert_eq!(sent[0].method, Method::Post);
    assert_eq!(
        sent[0].url,
        "https://abc.supabase.co/auth/v1/token?grant_type=refresh_token"
    );
    assert_eq!(
        sent[0].body,
        Some(crate::Body::Json(r#"{"refresh_token":"r1"}"#.into()))
    );
    assert_eq!(fixture.bearers(), [bearer(&anon_key()), bearer("a2")]);
    let renewed = fixture.client.session().unwrap();
    assert_eq!(renewed.access_token, "a2");
    assert_eq!(fixture.store.load(), Some(renewed.clone()));
    assert_eq!(*fixture.events.borrow(), [SessionEvent::Refreshed(renewed)]);
}

#[test]
fn token_refused_as_expired_is_renewed_once_and_the_request_retried() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture
        .reply(jwt_expired())
        .reply(Ok(token("a2", "r2")))
        .reply(ok());
    let response = block_on(fixture.client.execute(fixture.select_request())).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        fixture.bearers(),
        [bearer("a1"), bearer(&anon_key()), bearer("a2")]
    );
}

#[test]
fn a_second_refusal_is_returned_without_another_renewal() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture
        .reply(jwt_expired())
        .reply(Ok(token("a2", "r2")))
        .reply(jwt_expired());
    let error = block_on(fixture.client.execute(fixture.select_request())).unwrap_err();
    assert!(error.is_jwt_expired());
    assert_eq!(fixture.sent().len(), 3);
}

#[test]
fn concurrent_requests_share_one_renewal() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 10)));
    let refresh_answer = fixture.reply_later();
    fixture.reply(ok()).reply(ok());
    let (first, second, ()) = block_on(join3(
        fixture.client.execute(fixture.select_request()),
        fixture.client.execute(fixture.select_request()),
        async { refresh_answer.send(token("a2", "r2")).unwrap() },
    ));
    first.unwrap();
    second.unwrap();
    let refreshes = fixture
        .sent()
        .iter()
        .filter(|request| request.url.contains("grant_type=refresh_token"))
        .count();
    assert_eq!(refreshes, 1);
    assert_eq!(
        fixture.bearers(),
        [bearer(&anon_key()), bearer("a2"), bearer("a2")]
    );
}

#[test]
fn a_refused_refresh_token_ends_the_session() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW - 5)));
    fixture.reply(Ok(json_response(
        400,
        json!({"code": 400, "error_code": "refresh_token_already_used",
               "msg": "Invalid Refresh Token: Already Used"}),
    )));
    let error = block_on(fixture.client.execute(fixture.select_request())).unwrap_err();
    assert!(matches!(error, SupabaseError::SessionExpired(_)));
    assert_eq!(error.kind(), ErrorKind::SessionExpired);
    assert_eq!(fixture.client.session(), None);
    assert_eq!(fixture.store.load(), None);
    assert_eq!(*fixture.events.borrow(), [SessionEvent::Expired]);
    assert_eq!(fixture.sent().len(), 1);
}

#[test]
fn unreachable_auth_does_not_end_a_session_whose_token_still_works() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 30)));
    fixture
        .reply(Err(SupabaseError::Network("offline".into())))
        .reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();
    assert_eq!(fixture.bearers(), [bearer(&anon_key()), bearer("a1")]);
    assert_eq!(fixture.client.session().unwrap().access_token, "a1");
    assert!(fixture.events.borrow().is_empty());
}

#[test]
fn unreachable_auth_with_an_expired_token_reports_the_failure() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW - 1)));
    fixture.reply(Err(SupabaseError::Timeout { after_ms: 30_000 }));
    let error = block_on(fixture.client.execute(fixture.select_request())).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(fixture.client.session().is_some());
}

#[test]
fn a_session_renewed_by_another_tab_is_adopted() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 10)));
    fixture.store.save(&session("a9", "r9", NOW + 3600));
    fixture.reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();
    assert_eq!(fixture.bearers(), [bearer("a9")]);
    assert_eq!(fixture.client.session().unwrap().refresh_token, "r9");
}

#[test]
fn requests_with_their_own_authorization_are_sent_as_built() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW - 100)));
    fixture.reply(Ok(json_response(200, json!({"id": "u1"}))));
    let request = fixture.client.auth().get_user("explicit");
    block_on(fixture.client.execute(request.clone())).unwrap();
    assert_eq!(fixture.sent(), [request]);
}

#[test]
fn sign_in_keeps_and_announces_the_session() {
    let fixture = Fixture::new(None);
    fixture.reply(Ok(token("a1", "r1")));
    let session = block_on(
        fixture
            .client
            .sign_in_with_password("ana@example.com", "parola123"),
    )
    .unwrap();
    assert_eq!(
        fixture.sent()[0].url,
        "https://abc.supabase.co/auth/v1/token?grant_type=password"
    );
    assert_eq!(fixture.client.session(), Some(session.clone()));
    assert_eq!(fixture.store.load(), Some(session.clone()));
    assert_eq!(*fixture.events.borrow(), [SessionEvent::SignedIn(session)]);
}

#[test]
fn failed_sign_in_leaves_the_client_signed_out() {
    let fixture = Fixture::new(None);
    fixture.reply(Ok(json_response(
        400,
        json!({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"}),
    )));
    let error = block_on(fixture.client.sign_in_with_password("a@b.c", "x")).unwrap_err();
    assert_eq!(error.code(), Some("invalid_credentials"));
    assert_eq!(fixture.client.session(), None);
    assert!(fixture.events.borrow().is_empty());
}

#[test]
fn sign_out_ends_the_local_session_even_when_the_server_is_unreachable() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture.reply(Err(SupabaseError::Network("offline".into())));
    let error = block_on(fixture.client.sign_out()).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Network);
    assert_eq!(
        fixture.sent()[0].url,
        "https://abc.supabase.co/auth/v1/logout?scope=global"
    );
    assert_eq!(fixture.bearers(), [bearer("a1")]);
    assert_eq!(fixture.client.session(), None);
    assert_eq!(fixture.store.load(), None);
    assert_eq!(*fixture.events.borrow(), [SessionEvent::SignedOut]);
}

#[test]
fn sign_out_of_a_session_the_server_forgot_succeeds() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture.reply(Ok(json_response(
        403,
        json!({"code": 403, "error_code": "session_not_found", "msg": "Session not found"}),
    )));
    block_on(fixture.client.sign_out()).unwrap();
    assert_eq!(fixture.client.session(), None);
}

#[test]
fn fetch_user_completes_the_session() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW + 3600)));
    fixture.reply(Ok(json_response(
        200,
        json!({"id": "u1", "email": "ana@example.com", "aud": "authenticated",
               "user_metadata": {"full_name": "Ana"}}),
    )));
    let user = block_on(fixture.client.fetch_user()).unwrap();
    assert_eq!(user.user_metadata, json!({"full_name": "Ana"}));
    assert_eq!(fixture.client.session().unwrap().user, user);
    assert!(matches!(
        fixture.events.borrow()[..],
        [SessionEvent::UserUpdated(_)]
    ));
}

#[test]
fn unsubscribed_listeners_hear_nothing_more() {
    let fixture = Fixture::new(None);
    let heard = Rc::new(Cell::new(0));
    let id = fixture.client.subscribe({
        let heard = heard.clone();
        move |_| heard.set(heard.get() + 1)
    });
    fixture.client.set_session(session("a1", "r1", NOW + 3600));
    fixture.client.unsubscribe(id);
    fixture.client.set_session(session("a2", "r2", NOW + 3600));
    assert_eq!(heard.get(), 1);
    assert_eq!(fixture.events.borrow().len(), 2);
}

#[test]
fn a_restored_session_is_renewed_on_first_use_when_it_expired_meanwhile() {
    let fixture = Fixture::new(Some(session("a1", "r1", NOW - 3600)));
    fixture.clock.set(NOW + 10);
    fixture.reply(Ok(token("a2", "r2"))).reply(ok());
    block_on(fixture.client.execute(fixture.select_request())).unwrap();
    assert_eq!(fixture.bearers(), [bearer(&anon_key()), bearer("a2")]);
}
