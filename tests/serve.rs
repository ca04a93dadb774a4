//! `hegui serve` end to end: the API over real HTTP, 100 concurrent checks, and the page in a
//! headless Chromium (when chromedriver is installed; `.ci/run` installs it and makes the
//! browser test mandatory with HEGUI_BROWSER_TEST=1).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `hegui serve --port 0`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hegui"))
            .args(["serve", "--port", "0", "--isolated"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hegui serve starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("hegui serve prints its address");
        let url = line
            .trim()
            .strip_prefix("hegui serve: ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(url: &str, body: &str) -> (u16, Value) {
    try_post(url, body).unwrap_or_else(|e| panic!("request failed: {e}"))
}

fn try_post(url: &str, body: &str) -> Result<(u16, Value), String> {
    let response = match ureq::post(url)
        .set("Content-Type", "application/json")
        .send_string(body)
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(e.to_string()),
    };
    let status = response.status();
    let text = response.into_string().expect("body reads");
    Ok((
        status,
        serde_json::from_str(&text).expect("the body is JSON"),
    ))
}

fn rules_of(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

#[test]
fn the_api_checks_drafts_and_refuses_bad_requests() {
    let server = Server::start();

    let page = ureq::get(&server.url).call().expect("GET /");
    assert_eq!(page.status(), 200);
    let html = page.into_string().expect("page");
    assert!(html.contains("<textarea") && html.contains("合规检查"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page loads nothing from elsewhere"
    );

    let check = format!("{}api/check", server.url);
    let (status, doc) = post(
        &check,
        r#"{"text": "全网最低价，销量第一", "filename": "draft.txt"}"#,
    );
    assert_eq!(status, 200);
    assert_eq!(rules_of(&doc), ["AD003", "AD004"]);
    let first = &doc["findings"][0];
    assert_eq!(first["matched"], "全网最低价");
    assert_eq!(
        (first["byte_start"].as_u64(), first["byte_end"].as_u64()),
        (Some(0), Some(15))
    );
    assert_eq!(first["suggestion"], "超值价");
    assert_eq!(doc["summary"]["findings"], 2);

    // The same JSON as `hegui check --format json` for that file.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("draft.txt"), "全网最低价，销量第一").expect("write");
    let cli = Command::new(env!("CARGO_BIN_EXE_hegui"))
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--isolated", "draft.txt"])
        .output()
        .expect("hegui check runs");
    let cli: Value = serde_json::from_slice(&cli.stdout).expect("JSON");
    assert_eq!(cli, doc);

    // The file name decides: a campaign file is read as one.
    let yaml = "campaign:\n  name: 双11\n  copy: 史上最强\n";
    let body = serde_json::json!({"text": yaml, "filename": "c.yaml"}).to_string();
    let (status, doc) = post(&check, &body);
    assert_eq!(status, 200);
    assert_eq!(doc["findings"][0]["line"], 3, "{doc}");

    for bad in [
        "{\"text\": ",
        "[]",
        "{\"filename\": \"a.txt\"}",
        "不是 JSON",
    ] {
        let (status, doc) = post(&check, bad);
        assert_eq!(status, 400, "{bad}");
        assert!(doc["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    // Just over the 2 MB limit: what the server leaves unread fits in the socket's buffers, so
    // the client usually finishes writing before the server answers and closes.
    let huge = serde_json::json!({"text": "好".repeat(700_000)}).to_string();
    assert!(huge.len() > 2 * 1024 * 1024);
    // The server answers before the client has sent it all, and may close the connection while
    // the client still writes: such an attempt shows no status, so try again.
    let (status, doc) = (0..10)
        .find_map(|_| try_post(&check, &huge).ok())
        .expect("some attempt gets an answer");
    assert_eq!(status, 413);
    assert!(doc["error"].as_str().is_some());

    let rules: Value = serde_json::from_str(
        &ureq::get(&format!("{}api/rules", server.url))
            .call()
            .expect("GET /api/rules")
            .into_string()
            .expect("body"),
    )
    .expect("JSON");
    let list = rules["rules"].as_array().expect("rules");
    assert!(list.len() >= 60);
    let ad003 = list
        .iter()
        .find(|r| r["id"] == "AD003")
        .expect("AD003 listed");
    assert!(ad003["law"].as_str().is_some_and(|l| l.contains("广告法")));
    assert!(ad003["bad"].as_array().is_some_and(|b| b.len() >= 2));

    // Still answering after all that.
    let (status, _) = post(&check, r#"{"text": "国家级"}"#);
    assert_eq!(status, 200);
}

#[test]
fn a_hundred_concurrent_checks_are_all_answered() {
    let server = Server::start();
    let check = format!("{}api/check", server.url);
    // A 2 KB draft with two violations in it.
    let mut draft = String::from("全网最低价！");
    while draft.len() < 2000 {
        draft.push_str("这款保温杯采用双层真空设计，容量500毫升，适合通勤和户外使用。");
    }
    draft.push_str("销量第一");
    let body = serde_json::json!({"text": draft, "filename": "draft.txt"}).to_string();
    let started = Instant::now();
    let latencies: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..100)
            .map(|_| {
                scope.spawn(|| {
                    let t = Instant::now();
                    let (status, doc) = post(&check, &body);
                    assert_eq!(status, 200);
                    assert_eq!(rules_of(&doc), ["AD003", "AD004"]);
                    t.elapsed()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("answered"))
            .collect()
    });
    let mut sorted = latencies.clone();
    sorted.sort();
    eprintln!(
        "100 concurrent 2 KB checks: all answered in {:?}; latency median {:?}, max {:?}",
        started.elapsed(),
        sorted[50],
        sorted[99]
    );
}

/// Where Chromium's WebDriver is, or `None` (the test is then skipped unless required).
fn chromedriver() -> Option<std::path::PathBuf> {
    let required = std::env::var_os("HEGUI_BROWSER_TEST").is_some();
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            !required,
            "HEGUI_BROWSER_TEST is set but chromedriver is not installed"
        );
        eprintln!("skipped: chromedriver not installed (apt-get install chromium-driver)");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_highlights_a_finding_and_applies_its_suggestion() {
    let Some(driver_path) = chromedriver() else {
        return;
    };
    let server = Server::start();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let result = drive_page(&server.url, port).await;
    let _ = driver.kill();
    let _ = driver.wait();
    if let Err(e) = result {
        panic!("browser test failed: {e}");
    }
}

async fn drive_page(url: &str, port: u16) -> Result<(), String> {
    use fantoccini::{ClientBuilder, Locator};

    let mut caps = serde_json::Map::new();
    let chrome = serde_json::json!({
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,800", "--lang=zh-CN"],
    });
    caps.insert("goog:chromeOptions".to_string(), chrome);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut client = None;
    // chromedriver takes a moment to listen.
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&webdriver)
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let client = client.ok_or("cannot connect to chromedriver")?;
    let outcome = async {
        fn fail(what: &'static str) -> impl Fn(fantoccini::error::CmdError) -> String {
            move |e| format!("{what}: {e}")
        }
        client.goto(url).await.map_err(fail("open the page"))?;
        let draft = client
            .find(Locator::Css("#draft"))
            .await
            .map_err(fail("text area"))?;
        draft
            .send_keys("今晚直播全网最低价")
            .await
            .map_err(fail("type"))?;

        // The finding and its highlight appear as the user types.
        let finding = client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".finding[data-rule='AD003']"))
            .await
            .map_err(fail("the AD003 finding"))?;
        let listed = finding.text().await.map_err(fail("finding text"))?;
        for part in ["AD003", "广告法", "超值价"] {
            if !listed.contains(part) {
                return Err(format!("the finding does not show {part}: {listed}"));
            }
        }
        let mark = client
            .find(Locator::Css("#highlights mark[data-rule='AD003']"))
            .await
            .map_err(fail("the highlight"))?;
        let marked = mark.prop("textContent").await.map_err(fail("mark text"))?;
        if marked.as_deref() != Some("全网最低价") {
            return Err(format!("highlighted {marked:?}"));
        }
        if let Some(path) = std::env::var_os("HEGUI_SCREENSHOT") {
            let png = client.screenshot().await.map_err(fail("screenshot"))?;
            std::fs::write(path, png).map_err(|e| format!("write screenshot: {e}"))?;
        }

        // Applying the suggestion rewrites the draft and the finding goes away.
        let apply = finding
            .find(Locator::Css("button.apply"))
            .await
            .map_err(fail("the suggestion button"))?;
        apply.click().await.map_err(fail("click"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = client
                .find_all(Locator::Css(".finding[data-rule='AD003']"))
                .await
                .map_err(fail("findings"))?;
            let value = draft.prop("value").await.map_err(fail("draft value"))?;
            let status = client
                .find(Locator::Css("#status"))
                .await
                .map_err(fail("status"))?
                .text()
                .await
                .map_err(fail("status text"))?;
            if left.is_empty()
                && value.as_deref() == Some("今晚直播超值价")
                && status == "未发现问题"
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "after applying: {} AD003 findings, draft {value:?}, status {status:?}",
                    left.len()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    .await;
    let _ = client.close().await;
    outcome
}
