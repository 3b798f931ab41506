//! Sending an [`HttpRequest`] with the browser's `fetch` (through gloo-net), bounded by a
//! timeout and an optional [`AbortHandle`].

use std::pin::pin;

use futures::future::{Either, pending, select};
use gloo_net::http::{Method as FetchMethod, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use web_sys::{AbortController, AbortSignal};

use crate::client::{AbortHandle, SendOptions, Transport, TransportFuture};
use crate::error::SupabaseError;
use crate::request::{Body, HttpRequest, HttpResponse, Method};

/// The transport of the app: `fetch`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchTransport;

impl Transport for FetchTransport {
    fn send(&self, request: HttpRequest, options: SendOptions) -> TransportFuture {
        Box::pin(async move { send(&request, &options).await })
    }
}

/// Sends `request` and reads the whole answer, whatever its status. Fails with `Timeout` after
/// `options.timeout_ms`, with `Aborted` once `options.abort` fires, and with `Network` when no
/// answer came; in the first two cases the browser request is cancelled too.
pub async fn send(
    request: &HttpRequest,
    options: &SendOptions,
) -> Result<HttpResponse, SupabaseError> {
    if options.abort.as_ref().is_some_and(AbortHandle::is_aborted) {
        return Err(SupabaseError::Aborted);
    }
    let controller = AbortController::new()
        .map_err(|error| SupabaseError::Network(format!("no AbortController: {error:?}")))?;
    let signal = controller.signal();
    let exchange = pin!(exchange(request, &signal));
    let stop = pin!(stop_reason(options));
    match select(exchange, stop).await {
        Either::Left((outcome, _)) => outcome,
        Either::Right((reason, _)) => {
            // Dropping the fetch future alone would leave the browser request running.
            controller.abort();
            Err(reason)
        }
    }
}

/// The request and the reading of its body, both cancelled by `signal`.
async fn exchange(
    request: &HttpRequest,
    signal: &AbortSignal,
) -> Result<HttpResponse, SupabaseError> {
    let network = |error: gloo_net::Error| SupabaseError::Network(error.to_string());
    let mut builder = RequestBuilder::new(&request.url)
        .method(fetch_method(request.method))
        .abort_signal(Some(signal));
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    let prepared = match &request.body {
        None => builder.build(),
        Some(Body::Json(text)) => builder.body(text.as_str()),
        Some(Body::Bytes(bytes)) => builder.body(js_sys::Uint8Array::from(bytes.as_slice())),
    }
    .map_err(network)?;
    let response = prepared.send().await.map_err(network)?;
    let body = response.binary().await.map_err(network)?;
    Ok(HttpResponse {
        status: response.status(),
        headers: response.headers().entries().collect(),
        body,
    })
}

/// Completes with the error to report when the timeout passes or the caller aborts; never
/// completes when neither is set.
async fn stop_reason(options: &SendOptions) -> SupabaseError {
    let timeout = async {
        match options.timeout_ms {
            Some(after_ms) => {
                TimeoutFuture::new(after_ms).await;
                SupabaseError::Timeout { after_ms }
            }
            None => pending().await,
        }
    };
    let aborted = async {
        match &options.abort {
            Some(handle) => {
                handle.aborted().await;
                SupabaseError::Aborted
            }
            None => pending().await,
        }
    };
    match select(pin!(timeout), pin!(aborted)).await {
        Either::Left((reason, _)) | Either::Right((reason, _)) => reason,
    }
}

fn fetch_method(method: Method) -> FetchMethod {
    match method {
        Method::Get => FetchMethod::GET,
        Method::Head => FetchMethod::HEAD,
        Method::Post => FetchMethod::POST,
        Method::Put => FetchMethod::PUT,
        Method::Patch => FetchMethod::PATCH,
        Method::Delete => FetchMethod::DELETE,
    }
}
