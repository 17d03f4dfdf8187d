//! `canhgac ship`: the forwarder an agency runs beside its Suricata or on a
//! log server. Follows files (`app::ship::Follower`), sends their complete
//! lines to `POST /api/v1/events?wait=true` in gzip batches with an
//! `Idempotency-Key`, and moves its position in the state file only after
//! the server acknowledged a batch. While the server is away (connection
//! refused, timeouts, 5xx) it retries with exponential backoff and jitter;
//! a 429 waits for its Retry-After. Nothing is dropped: a refusal it cannot
//! get past (a revoked token, a bad request) stops it with the position
//! kept, so a restart sends the same batch again.

use anyhow::{bail, Context, Result};
use app::ship::{Chunk, FollowOptions, Follower, ShipState};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args)]
pub struct ShipArgs {
    /// Files or folders to follow (a folder: the files in it).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The canhgac server, e.g. https://canhgac.sonha.gov.vn
    #[arg(long)]
    to: String,
    /// The sensor's token (`cgt_…`).
    #[arg(long, env = "CANHGAC_SHIP_TOKEN", hide_env_values = true)]
    token: String,
    /// Where positions are kept across restarts.
    #[arg(long, default_value = "canhgac-ship.state.json")]
    state: PathBuf,
    /// Lines per batch.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Files seen for the first time are read from their start (default).
    #[arg(long, conflicts_with = "from_end")]
    from_start: bool,
    /// Files found at the first start with no saved position are read from
    /// their end (only new lines are sent).
    #[arg(long)]
    from_end: bool,
    /// In folders, only files whose name matches (`*` and `?`), e.g. "eve*.json".
    #[arg(long)]
    glob: Option<String>,
    /// How often files are looked at, in milliseconds.
    #[arg(long, default_value_t = 500)]
    poll_ms: u64,
    /// Longest wait between two attempts while the server is away, in seconds.
    #[arg(long, default_value_t = 30)]
    max_backoff_secs: u64,
    /// Stop once everything there is now has been sent.
    #[arg(long)]
    once: bool,
    /// Say what is sent and acknowledged.
    #[arg(short, long)]
    verbose: bool,
}

fn endpoint(to: &str) -> String {
    let to = to.trim_end_matches('/');
    if to.ends_with("/api/v1/events") {
        format!("{to}?wait=true")
    } else {
        format!("{to}/api/v1/events?wait=true")
    }
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes)?;
    Ok(e.finish()?)
}

pub async fn run(args: ShipArgs) -> Result<()> {
    let state = ShipState::load(&args.state)?;
    let mut follower = Follower::new(
        FollowOptions {
            paths: args.paths.clone(),
            glob: args.glob.clone(),
            from_end: args.from_end,
            batch_lines: args.batch.clamp(1, 100_000),
            batch_bytes: 4 << 20,
        },
        state,
    );
    let client = reqwest::Client::builder()
        .user_agent(concat!("canhgac-ship/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .build()
        .context("setting up HTTP")?;
    let url = endpoint(&args.to);
    let mut sender = Sender {
        client,
        url,
        token: args.token.clone(),
        max_backoff: Duration::from_secs(args.max_backoff_secs.max(1)),
        verbose: args.verbose,
        away: false,
    };
    let mut saved = None;
    let mut save = |f: &Follower| -> Result<()> {
        let now = f.state();
        if saved.as_ref() != Some(&now) {
            now.save(&args.state)?;
            saved = Some(now);
        }
        Ok(())
    };
    loop {
        follower.scan()?;
        save(&follower)?;
        let mut sent = false;
        for (dev, ino, path) in follower.files() {
            while let Some(chunk) = follower.next_chunk(dev, ino)? {
                follower.sending(&chunk);
                save(&follower)?;
                sender.send(&chunk, &path).await?;
                follower.acknowledged(&chunk);
                save(&follower)?;
                sent = true;
            }
        }
        follower.retire();
        save(&follower)?;
        if args.once && !sent {
            return Ok(());
        }
        if !sent {
            tokio::time::sleep(Duration::from_millis(args.poll_ms.max(10))).await;
        }
    }
}

struct Sender {
    client: reqwest::Client,
    url: String,
    token: String,
    max_backoff: Duration,
    verbose: bool,
    /// The server was unreachable at the last attempt (said once).
    away: bool,
}

impl Sender {
    /// Sends one batch until the server acknowledges it.
    async fn send(&mut self, c: &Chunk, path: &std::path::Path) -> Result<()> {
        let body = gzip(&c.lines)?;
        let mut backoff = Duration::from_millis(250);
        loop {
            let r = self
                .client
                .post(&self.url)
                .bearer_auth(&self.token)
                .header("content-type", "application/x-ndjson")
                .header("content-encoding", "gzip")
                .header("idempotency-key", &c.key)
                .body(body.clone())
                .send()
                .await;
            let wait = match r {
                Ok(resp) if resp.status().is_success() => {
                    if self.away {
                        eprintln!(
                            "canhgac ship: máy chủ đã trả lời lại (the server answers again)"
                        );
                        self.away = false;
                    }
                    let v: serde_json::Value = resp.json().await.unwrap_or_default();
                    let rejected = v["rejected"].as_u64().unwrap_or(0);
                    if rejected > 0 {
                        eprintln!(
                            "canhgac ship: {}: {rejected} dòng bị từ chối ở byte {}–{} (lines refused): {}",
                            path.display(),
                            c.start,
                            c.end,
                            v["first_reasons"]
                        );
                    }
                    if self.verbose {
                        eprintln!(
                            "canhgac ship: {}: bytes {}–{} accepted {}{}",
                            path.display(),
                            c.start,
                            c.end,
                            v["accepted"],
                            if v["duplicate"] == true {
                                " (already received)"
                            } else {
                                ""
                            }
                        );
                    }
                    return Ok(());
                }
                Ok(resp) if resp.status().as_u16() == 429 => {
                    let secs = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1)
                        .clamp(1, 300);
                    if self.verbose {
                        eprintln!("canhgac ship: the server is busy; again in {secs} s");
                    }
                    Duration::from_secs(secs)
                }
                Ok(resp) if resp.status().is_server_error() || resp.status().as_u16() == 408 => {
                    let status = resp.status();
                    self.unreachable(&format!("HTTP {status}"));
                    self.next_backoff(&mut backoff)
                }
                Ok(resp) => {
                    let status = resp.status();
                    let text = resp.text().await.unwrap_or_default();
                    bail!(
                        "{}: the server refused bytes {}–{} ({status}): {text}; \
                         the position is kept and the batch is sent again at the next start",
                        path.display(),
                        c.start,
                        c.end
                    );
                }
                Err(e) => {
                    self.unreachable(&e.to_string());
                    self.next_backoff(&mut backoff)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn unreachable(&mut self, why: &str) {
        if !self.away || self.verbose {
            eprintln!("canhgac ship: không gửi được, sẽ thử lại (cannot send, retrying): {why}");
        }
        self.away = true;
    }

    /// Exponential backoff with jitter: half to all of the current step.
    fn next_backoff(&self, step: &mut Duration) -> Duration {
        let cur = (*step).min(self.max_backoff);
        *step = (*step * 2).min(self.max_backoff);
        let jitter: f64 = rand::random::<f64>() * 0.5 + 0.5;
        cur.mul_f64(jitter)
    }
}
