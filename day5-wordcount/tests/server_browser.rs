//! The upload page in a real browser: headless Chromium (Debian's `chromium` + `chromium-driver`,
//! which `.ci/run` installs) driven over WebDriver by `fantoccini`, against a server on
//! 127.0.0.1:0. Where either program is missing the test prints SKIPPED with the reason and
//! returns without asserting.
#![cfg(feature = "server")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use day5_wordcount::server::{Config, Server};
use fantoccini::{ClientBuilder, Locator};

/// `name` on the `PATH`, if there.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

/// chromedriver, killed on drop (also when an assertion fails).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a free port of 127.0.0.1 and waits (bounded) until it accepts.
async fn driver(chromedriver: &Path) -> (Driver, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver(child);
    let up = async {
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(20)).await; // polling a child process's port
        }
    };
    tokio::time::timeout(Duration::from_secs(30), up)
        .await
        .expect("chromedriver did not listen within 30 s");
    (driver, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_page_works_in_a_browser() {
    let (Some(chromedriver), Some(chromium)) = (which("chromedriver"), which("chromium")) else {
        println!(
            "SKIPPED: the browser test needs `chromedriver` and `chromium` on the PATH \
             (apt-get install chromium chromium-driver)"
        );
        return;
    };
    tokio::time::timeout(Duration::from_secs(120), run(&chromedriver, &chromium))
        .await
        .expect("the browser test did not finish within 120 s");
}

async fn run(chromedriver: &Path, chromium: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fox.txt");
    std::fs::write(
        &file,
        "the quick brown fox jumps over the lazy dog the dog sleeps the end",
    )
    .unwrap();
    let mut config = Config::new(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.jobs = 1;
    let server = Server::start(config).await.unwrap();
    let (_driver, port) = driver(chromedriver).await;
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=900,900"],
        }),
    );
    let browser = ClientBuilder::new(hyper_util_connector())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with chromedriver");
    let page = format!("http://{}/", server.addr());

    // A file, top 3: the answer is a page with the top words and the file's status.
    browser.goto(&page).await.unwrap();
    let top = browser.find(Locator::Css("input[name=top]")).await.unwrap();
    top.clear().await.unwrap();
    top.send_keys("3").await.unwrap();
    let input = browser
        .find(Locator::Css("input[type=file]"))
        .await
        .unwrap();
    input.send_keys(file.to_str().unwrap()).await.unwrap();
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let table = browser
        .wait()
        .for_element(Locator::Id("top"))
        .await
        .unwrap();
    let rows = table.find_all(Locator::Css("tr")).await.unwrap();
    assert_eq!(rows.len(), 1 + 3, "a header and the top 3");
    let text = table.text().await.unwrap();
    assert!(text.contains("the 4") && text.contains("dog 2"), "{text}");
    let files = browser
        .find(Locator::Id("files"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        files.contains("fox.txt") && files.contains("full"),
        "{files}"
    );
    let png = browser.screenshot().await.unwrap();
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("day5-server-page.png");
    std::fs::write(&shot, &png).unwrap();
    println!("screenshot: {}", shot.display());

    // No file chosen: an error page, 400.
    browser.goto(&page).await.unwrap();
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = browser
        .wait()
        .for_element(Locator::Id("error"))
        .await
        .unwrap();
    assert_eq!(error.text().await.unwrap(), "no file chosen");
    let back = browser
        .find(Locator::LinkText("← Count other files"))
        .await
        .unwrap();
    back.click().await.unwrap();
    browser
        .wait()
        .for_element(Locator::Css("input[type=file]"))
        .await
        .unwrap();

    browser.close().await.unwrap();
    server.shutdown().await.unwrap();
}

/// Plain HTTP to chromedriver on 127.0.0.1: no TLS stack.
fn hyper_util_connector() -> hyper_util::client::legacy::connect::HttpConnector {
    hyper_util::client::legacy::connect::HttpConnector::new()
}
