//! `punctaj-local-backend serve` runs the server; `punctaj-local-backend keys` prints the anon and
//! service-role keys for `PUNCTAJ_JWT_SECRET`.

use std::process::ExitCode;

use punctaj_local_backend::{Config, config, jwt};

fn usage() -> ExitCode {
    eprintln!("usage: punctaj-local-backend serve | keys");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let command = std::env::args().nth(1);
    match command.as_deref() {
        Some("keys") => match config::jwt_secret_from_env() {
            Ok(secret) => {
                println!(
                    "SUPABASE_ANON_KEY={}",
                    jwt::api_key("anon", secret.as_bytes())
                );
                println!(
                    "SUPABASE_SERVICE_ROLE_KEY={}",
                    jwt::api_key("service_role", secret.as_bytes())
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("punctaj-local-backend: {e}");
                ExitCode::FAILURE
            }
        },
        Some("serve") => serve(),
        _ => usage(),
    }
}

fn serve() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PUNCTAJ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("punctaj-local-backend: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        tracing::info!("listening on http://{}", config.listen);
        let state = punctaj_local_backend::build_state(config).await?;
        punctaj_local_backend::serve_until(state, listener, shutdown_signal()).await
    });
    // Do not wait on idle connection drivers after a shutdown signal.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("punctaj-local-backend: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Ctrl-C or SIGTERM (what `scripts/local-backend.sh down` sends).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
