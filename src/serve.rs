//! `hegui serve`: a page for copywriters and a small JSON API, on the same engine.
//!
//! `GET /` is one self-contained page (embedded; no CDN). `POST /api/check` takes
//! `{"text": "…", "filename": "draft.txt"}` and answers exactly what `hegui check --format json`
//! prints for that file. `GET /api/rules` lists the rules with their law and examples.
//! Bad requests get a JSON error with 400 or 413; the engine runs on blocking threads so the
//! server keeps answering while drafts are checked.

use std::sync::Arc;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::cli::ServeArgs;
use crate::commands::{check_named_text, load_engine, run_config, Exit, Fatal};
use crate::engine::Engine;
use crate::report::{Reporter, Style};
use crate::rules::{ExampleKind, Examples, Rule};

/// The largest request body accepted: a long article with room to spare.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

const PAGE: &str = include_str!("serve/page.html");

const BAD_REQUEST: &str =
    "请求不是有效的 JSON：需要 {\"text\": \"…\", \"filename\": \"draft.txt\"}";

struct App {
    engine: Engine,
    /// `GET /api/rules`, rendered once.
    rules_json: Bytes,
}

pub fn serve(args: ServeArgs) -> Result<Exit, Fatal> {
    let engine = load_engine(
        &args.packs,
        run_config(&args.packs)?.as_ref(),
        Examples::Keep,
    )?;
    let rules_json = Bytes::from(
        serde_json::to_vec(&RulesDocument::of(&engine))
            .map_err(|e| miette::miette!("cannot render the rule list: {e}"))?,
    );
    let app = Arc::new(App { engine, rules_json });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| miette::miette!("cannot start the server runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((args.host, args.port))
            .await
            .map_err(|e| miette::miette!("cannot listen on {}:{}: {e}", args.host, args.port))?;
        let address = listener
            .local_addr()
            .map_err(|e| miette::miette!("cannot read the listening address: {e}"))?;
        // On stdout, one line, so that scripts (and the tests) can read the port.
        println!("hegui serve: http://{address}/");
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| miette::miette!("server error: {e}"))
    })?;
    Ok(Exit::Clean)
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/api/check", post(check))
        .route("/api/rules", get(rules))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "没有这个地址 (no such path)") })
        .with_state(app)
}

#[derive(Deserialize)]
struct CheckRequest {
    text: String,
    #[serde(default)]
    filename: Option<String>,
}

async fn check(State(app): State<Arc<App>>, body: Body) -> Response {
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "请求过大：上限 {} MB (request body over {MAX_BODY} bytes)",
                    MAX_BODY >> 20
                ),
            )
        }
    };
    let request: CheckRequest = match serde_json::from_slice(&bytes) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("{BAD_REQUEST} ({e})")),
    };
    let name = request
        .filename
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "draft.txt".to_string());
    let checked = tokio::task::spawn_blocking(move || {
        let outcome = check_named_text(&app.engine, &name, &request.text);
        let mut out = Vec::new();
        let mut reporter = Reporter::new(&mut out, Style::Json, false, None, Vec::new());
        reporter.file(outcome);
        let (_, written) = reporter.finish();
        written.map(|()| out)
    })
    .await;
    match checked {
        Ok(Ok(json)) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        _ => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "检查失败 (internal error)",
        ),
    }
}

async fn rules(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        app.rules_json.clone(),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message, "status": status.as_u16() });
    (status, axum::Json(body)).into_response()
}

#[derive(Serialize)]
struct RulesDocument<'a> {
    rules: Vec<RuleEntry<'a>>,
}

#[derive(Serialize)]
struct RuleEntry<'a> {
    id: &'a str,
    pack: &'a str,
    name: &'a str,
    severity: &'a str,
    kind: &'a str,
    message: &'a str,
    help: &'a str,
    law: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quote: Option<&'a str>,
    bad: Vec<&'a str>,
    good: Vec<&'a str>,
}

impl<'a> RulesDocument<'a> {
    fn of(engine: &'a Engine) -> RulesDocument<'a> {
        let entry = |r: &'a Rule| {
            let examples = |kind| {
                r.examples(kind)
                    .iter()
                    .map(|e| e.text.as_str())
                    .collect::<Vec<_>>()
            };
            RuleEntry {
                id: &r.id,
                pack: &r.pack,
                name: &r.name,
                severity: r.severity.as_str(),
                kind: r.kind.name(),
                message: &r.message,
                help: &r.help,
                law: &r.law,
                suggestion: r.suggest.as_deref(),
                explain: r.explain.as_deref(),
                quote: r.quote.as_deref(),
                bad: examples(ExampleKind::Bad),
                good: examples(ExampleKind::Good),
            }
        };
        RulesDocument {
            rules: engine.rules().rules.iter().map(entry).collect(),
        }
    }
}
