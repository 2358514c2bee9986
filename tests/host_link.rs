//! The host link end to end: `neurofuse run --target tcp://` against `neurofuse serve`
//! gives the files of a direct model run; malformed frames, bad checksums, wrong versions,
//! peers that leave mid-frame and oversized payloads get errors while the server goes on
//! serving others; many clients and long runs lose no frame and leave memory flat.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Process, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use chip::ChipImage;
use link::frame::{read_frame, Frame, MAX_PAYLOAD};
use link::{Client, ClientError, ErrorCode, Request, Response, PROTOCOL_VERSION};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A `neurofuse serve` process, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(engine: &str) -> Server {
        let mut child = Process::cargo_bin("neurofuse")
            .unwrap()
            .args(["serve", "--engine", engine, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start neurofuse serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .trim()
            .rsplit_once("listening on ")
            .unwrap_or_else(|| panic!("serve printed {line:?}"))
            .1
            .to_string();
        Server { child, address }
    }

    /// The server's resident memory, KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Whether the server still answers a new client with a full load and run.
    async fn serves(&self, image: &ChipImage, inputs: &[Vec<u32>]) {
        let mut client = Client::connect(&self.address).await.unwrap();
        client.load(image).await.unwrap();
        let (spikes, _) = client.run(inputs).await.unwrap();
        assert_eq!(spikes, expected_spikes(image, inputs));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn image(seed: u64) -> ChipImage {
    neurofuse::cosim::random_network_image(seed).unwrap().0
}

fn inputs(image: &ChipImage, ticks: usize, seed: u64) -> Vec<Vec<u32>> {
    neurofuse::cosim::poisson_inputs(image, 2000.0, ticks, seed)
}

/// The chip model's spikes, run here in the test.
fn expected_spikes(image: &ChipImage, inputs: &[Vec<u32>]) -> Vec<Vec<(u32, u32)>> {
    let mut model = sim::ChipModel::new(image).unwrap();
    inputs.iter().map(|i| model.tick(i).to_vec()).collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn run_over_tcp_on_the_rtl_writes_the_files_of_a_direct_model_run() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let image_dir = dir.path().join("image");
    image(5).save(&image_dir).unwrap();
    let server = Server::start("rtl");
    let run = |target: &str, out: &str| {
        let output = Process::cargo_bin("neurofuse")
            .unwrap()
            .arg("run")
            .arg(&image_dir)
            .args(["--target", target, "--ticks", "600", "--input-rate", "2000"])
            .args(["--seed", "9", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("one JSON line");
        (
            std::fs::read_to_string(dir.path().join(out).join("spikes.csv")).unwrap(),
            summary,
        )
    };
    let (direct, direct_summary) = run("sim", "direct");
    let (remote, remote_summary) = run(&format!("tcp://{}", server.address), "remote");
    assert!(direct.lines().count() > 100, "too few spikes to compare");
    assert_eq!(remote, direct);
    assert_eq!(remote_summary["spikes"], direct_summary["spikes"]);
    assert!(remote_summary["target"]
        .as_str()
        .unwrap()
        .starts_with("the verilated chip"));
}

#[test]
fn the_rtl_board_exposes_its_host_bus_and_probes_like_the_model() {
    if !testbench::rtl_available() {
        return;
    }
    let rtl = Server::start("rtl");
    let model = Server::start("sim");
    let image = image(2);
    let inputs = inputs(&image, 40, 2);
    runtime().block_on(async {
        let mut on_rtl = Client::connect(&rtl.address).await.unwrap();
        let mut on_model = Client::connect(&model.address).await.unwrap();
        assert_eq!(on_rtl.welcome.engine, "rtl");
        assert_eq!(on_model.welcome.engine, "sim");
        for client in [&mut on_rtl, &mut on_model] {
            client.load(&image).await.unwrap();
            client.run(&inputs).await.unwrap();
        }
        // First, middle and last neuron of cores 0, 1 and 3 (placement decides how many).
        let last = |core: usize| image.cores[core].neurons() as u32 - 1;
        for (core, neuron) in [(0, 0), (1, last(1) / 2), (3, last(3))] {
            assert_eq!(
                on_rtl.probe(core, neuron).await.unwrap(),
                on_model.probe(core, neuron).await.unwrap(),
                "core {core} neuron {neuron}"
            );
        }
        // The chip identity register over the bus; the model has no bus.
        let identity =
            hdl::chip_map::address(hdl::chip_map::UNIT_CHIP, 0, hdl::chip_map::CHIP_IDENTITY);
        assert_eq!(
            on_rtl.read_word(identity).await.unwrap(),
            hdl::chip_map::CHIP_IDENTITY_VALUE
        );
        match on_model.read_word(identity).await {
            Err(ClientError::Remote { code, message }) => {
                assert_eq!(code, ErrorCode::Unsupported);
                assert!(message.contains("no host bus"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // A burst: over the RTL's bus like single writes, refused by the model alike.
        let v = |neuron| {
            hdl::chip_map::address(
                hdl::chip_map::UNIT_CORE,
                2,
                hdl::map::address(hdl::map::REGION_V, neuron),
            )
        };
        on_rtl.write_burst(v(3), &[11, 12, 13]).await.unwrap();
        for (k, expected) in [(3, 11), (4, 12), (5, 13)] {
            assert_eq!(on_rtl.read_word(v(k)).await.unwrap(), expected);
        }
        match on_model.write_burst(v(3), &[1, 2]).await {
            Err(ClientError::Remote { code, message }) => {
                assert_eq!(code, ErrorCode::Unsupported);
                assert!(message.contains("no host bus"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(on_rtl.status().await.unwrap(), ("rtl".into(), true, 40));
        // A reset over the bus clears what the image set: the board then has nothing loaded
        // and refuses to run, until the next load.
        let reset = hdl::chip_map::address(hdl::chip_map::UNIT_CHIP, 0, hdl::chip_map::CHIP_RESET);
        on_rtl.write_word(reset, 1).await.unwrap();
        assert_eq!(on_rtl.status().await.unwrap(), ("rtl".into(), false, 0));
        let refused = format!("{:?}", on_rtl.run(&inputs).await.unwrap_err());
        assert!(refused.contains("no image loaded"), "{refused}");
        on_rtl.load(&image).await.unwrap();
        let (again, _) = on_rtl.run(&inputs).await.unwrap();
        on_model.load(&image).await.unwrap();
        let (fresh, _) = on_model.run(&inputs).await.unwrap();
        assert_eq!(again, fresh, "the reloaded board runs like a fresh model");
    });
}

/// Writes raw bytes, then reads one response frame (or `None` when the server closed).
async fn exchange(stream: &mut TcpStream, bytes: &[u8]) -> Option<Response> {
    stream.write_all(bytes).await.unwrap();
    let frame = read_frame(stream, MAX_PAYLOAD).await.ok()??;
    Some(Response::from_frame(&frame).unwrap())
}

async fn greeted(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let hello = Request::Hello {
        version: PROTOCOL_VERSION,
    };
    match exchange(&mut stream, &hello.to_frame().encode()).await {
        Some(Response::Welcome { .. }) => stream,
        other => panic!("{other:?}"),
    }
}

fn error_code(response: Option<Response>) -> (ErrorCode, String) {
    match response {
        Some(Response::Error { code, message }) => (code, message),
        other => panic!("expected an error response, got {other:?}"),
    }
}

/// After an error that closes the connection, the server has closed it.
async fn closed(stream: &mut TcpStream) -> bool {
    read_frame(stream, MAX_PAYLOAD)
        .await
        .ok()
        .flatten()
        .is_none()
}

#[test]
fn bad_frames_are_answered_with_errors_and_the_server_keeps_serving() {
    let server = Server::start("sim");
    let image = image(4);
    let inputs = inputs(&image, 30, 4);
    let status = Request::Status.to_frame().encode();
    runtime().block_on(async {
        // A client that stays connected through all of this, loaded before and run after.
        let mut bystander = Client::connect(&server.address).await.unwrap();
        bystander.load(&image).await.unwrap();

        // No handshake first: refused, the connection stays usable.
        let mut s = TcpStream::connect(&server.address).await.unwrap();
        let (code, message) = error_code(exchange(&mut s, &status).await);
        assert_eq!(code, ErrorCode::HandshakeRequired);
        assert!(message.contains("Hello"), "{message}");

        // A wrong version: refused, closed.
        let mut s = TcpStream::connect(&server.address).await.unwrap();
        let hello = Request::Hello {
            version: PROTOCOL_VERSION + 1,
        };
        let (code, message) = error_code(exchange(&mut s, &hello.to_frame().encode()).await);
        assert_eq!(code, ErrorCode::WrongVersion);
        assert!(
            message.contains(&format!("version {}", PROTOCOL_VERSION + 1)),
            "{message}"
        );
        assert!(closed(&mut s).await);

        // A malformed payload (a Probe one byte short), then an unknown kind: both answered,
        // the connection still serves.
        let mut s = greeted(&server.address).await;
        let short = Frame::new(0x05, vec![0; 7]).encode();
        let (code, message) = error_code(exchange(&mut s, &short).await);
        assert_eq!(code, ErrorCode::Malformed);
        assert!(
            message.contains("neuron: the payload ends 1 bytes short"),
            "{message}"
        );
        let (code, message) =
            error_code(exchange(&mut s, &Frame::new(0x42, vec![]).encode()).await);
        assert_eq!(code, ErrorCode::UnknownRequest);
        assert_eq!(message, "unknown request kind (kind 0x42)");
        // A Run longer than one request may ask for.
        let long_run = Request::Run {
            inputs: vec![vec![]; link::MAX_TICKS_PER_RUN + 1],
        };
        let (code, message) = error_code(exchange(&mut s, &long_run.to_frame().encode()).await);
        assert_eq!(code, ErrorCode::Refused);
        assert!(message.contains("at most 100000 per request"), "{message}");
        assert!(matches!(
            exchange(&mut s, &status).await,
            Some(Response::Status { loaded: false, .. })
        ));
        // Requests the engine refuses: no image yet, then bad indices.
        let run = Request::Run {
            inputs: vec![vec![0]],
        }
        .to_frame()
        .encode();
        let (code, message) = error_code(exchange(&mut s, &run).await);
        assert_eq!(
            (code, message.as_str()),
            (ErrorCode::Refused, "no image loaded")
        );
        let files = image.to_files().unwrap();
        let load = Request::LoadImage {
            files: files.clone(),
        }
        .to_frame()
        .encode();
        assert!(matches!(
            exchange(&mut s, &load).await,
            Some(Response::Loaded { cores: 4, .. })
        ));
        let inputs_count = image.inputs.ranges.len() as u32;
        let bad_run = Request::Run {
            inputs: vec![vec![], vec![inputs_count]],
        };
        let (code, message) = error_code(exchange(&mut s, &bad_run.to_frame().encode()).await);
        assert_eq!(code, ErrorCode::Refused);
        assert!(
            message.starts_with(&format!(
                "tick 1 of the run: input {inputs_count} does not exist"
            )),
            "{message}"
        );
        let probe = Request::Probe { core: 4, neuron: 0 }.to_frame().encode();
        let (_, message) = error_code(exchange(&mut s, &probe).await);
        assert_eq!(message, "core 4 does not exist; the image has cores 0 to 3");
        // A truncated image file is refused with its name; nothing is half-loaded.
        let mut cut = files.clone();
        let (name, bytes) = &mut cut[0];
        bytes.pop();
        let name = name.clone();
        let cut_load = Request::LoadImage { files: cut }.to_frame().encode();
        let (code, message) = error_code(exchange(&mut s, &cut_load).await);
        assert_eq!(code, ErrorCode::Refused);
        assert!(
            message.contains(&name) && message.contains("truncated"),
            "{message}"
        );

        // A bad checksum: answered, closed.
        let mut s = greeted(&server.address).await;
        let mut corrupt = status.clone();
        *corrupt.last_mut().unwrap() ^= 0xFF;
        let (code, message) = error_code(exchange(&mut s, &corrupt).await);
        assert_eq!(code, ErrorCode::BadChecksum);
        assert!(
            message.starts_with("bad checksum: the frame says CRC-32"),
            "{message}"
        );
        assert!(closed(&mut s).await);

        // Not a frame at all.
        let mut s = TcpStream::connect(&server.address).await.unwrap();
        let (code, message) = error_code(exchange(&mut s, b"GET / HTTP/1.1\r\n\r\n").await);
        assert_eq!(code, ErrorCode::BadFrame);
        assert!(message.contains("\"NF\""), "{message}");
        assert!(closed(&mut s).await);

        // A payload over the limit: refused from its header, before it is sent.
        let mut s = greeted(&server.address).await;
        let mut oversized = vec![b'N', b'F', 0x03];
        oversized.extend_from_slice(&(MAX_PAYLOAD as u32 + 1).to_le_bytes());
        let (code, message) = error_code(exchange(&mut s, &oversized).await);
        assert_eq!(code, ErrorCode::Oversized);
        assert!(
            message.contains(&format!("limit of {MAX_PAYLOAD}")),
            "{message}"
        );
        assert!(closed(&mut s).await);

        // Peers that leave in the middle of a frame: in the header, and in the payload of
        // a large image.
        let mut s = greeted(&server.address).await;
        s.write_all(&status[..4]).await.unwrap();
        drop(s);
        let mut s = greeted(&server.address).await;
        let load = Request::LoadImage { files }.to_frame().encode();
        s.write_all(&load[..load.len() / 2]).await.unwrap();
        drop(s);

        // Through all of it: the bystander's connection and new clients are served.
        let (spikes, _) = bystander.run(&inputs).await.unwrap();
        assert_eq!(spikes, expected_spikes(&image, &inputs));
        server.serves(&image, &inputs).await;
    });
}

#[test]
fn many_clients_and_long_runs_lose_no_frame_and_leave_memory_flat() {
    let server = Server::start("sim");
    let images: Vec<ChipImage> = (0..4).map(|s| image(10 + s)).collect();
    // 16 clients at once, each running 2,000 ticks in 40 requests of 50.
    let ticks = 2000;
    let stimuli: Vec<Vec<Vec<u32>>> = (0..4)
        .map(|s| inputs(&images[s], ticks, 20 + s as u64))
        .collect();
    let expected: Vec<_> = (0..4)
        .map(|s| expected_spikes(&images[s], &stimuli[s]))
        .collect();
    let round = |rt: &tokio::runtime::Runtime| {
        rt.block_on(async {
            let mut tasks = Vec::new();
            for c in 0..16 {
                let (image, stimulus, expected) = (
                    images[c % 4].clone(),
                    stimuli[c % 4].clone(),
                    expected[c % 4].clone(),
                );
                let address = server.address.clone();
                tasks.push(tokio::spawn(async move {
                    let mut client = Client::connect(&address).await.unwrap();
                    client.load(&image).await.unwrap();
                    let mut got = Vec::new();
                    for batch in stimulus.chunks(50) {
                        got.extend(client.run(batch).await.unwrap().0);
                    }
                    assert_eq!(got.len(), expected.len(), "client {c}: ticks lost");
                    assert!(
                        got == expected,
                        "client {c}: spikes differ from the model's"
                    );
                    assert_eq!(client.status().await.unwrap().2, ticks as u64);
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        })
    };
    let rt = runtime();
    round(&rt);
    let after_first = server.rss_kib();
    for _ in 0..4 {
        round(&rt);
    }
    let after_five = server.rss_kib();
    eprintln!("server RSS: {after_first} KiB after the first round of 16 clients, {after_five} KiB after five");
    // 64 more sessions, each holding a model of a few MiB: a leak of any of them shows.
    assert!(
        after_five <= after_first + after_first / 4,
        "the server's memory grew from {after_first} KiB to {after_five} KiB"
    );
}

#[test]
fn concurrent_rtl_sessions_agree_with_the_model_and_free_their_chips() {
    if !testbench::rtl_available() {
        return;
    }
    let server = Server::start("rtl");
    let image = image(7);
    let stimulus = inputs(&image, 100, 7);
    let expected = expected_spikes(&image, &stimulus);
    let rt = runtime();
    let round = || {
        rt.block_on(async {
            let mut tasks = Vec::new();
            for c in 0..4 {
                let (image, stimulus, expected) =
                    (image.clone(), stimulus.clone(), expected.clone());
                let address = server.address.clone();
                tasks.push(tokio::spawn(async move {
                    let mut client = Client::connect(&address).await.unwrap();
                    client.load(&image).await.unwrap();
                    let mut got = Vec::new();
                    for batch in stimulus.chunks(25) {
                        got.extend(client.run(batch).await.unwrap().0);
                    }
                    assert!(
                        got == expected,
                        "RTL client {c}: spikes differ from the model's"
                    );
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
        })
    };
    round();
    let after_first = server.rss_kib();
    round();
    round();
    let after_three = server.rss_kib();
    eprintln!("RTL server RSS: {after_first} KiB after 4 sessions, {after_three} KiB after 12");
    assert!(
        after_three <= after_first + after_first / 4,
        "the server's memory grew from {after_first} KiB to {after_three} KiB"
    );
}

#[test]
fn run_refuses_unknown_and_unreachable_targets_by_name() {
    let dir = TempDir::new().unwrap();
    let image_dir = dir.path().join("image");
    image(1).save(&image_dir).unwrap();
    // A port nothing listens on: bind one, then free it.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for (target, message) in [
        (
            "ftp://example",
            "--target ftp://example: expected sim, tcp://HOST:PORT (a board served by `neurofuse serve`) or serial://DEVICE",
        ),
        (&format!("tcp://{free}") as &str, "cannot reach the board"),
        (
            "serial:///dev/nonexistent-tty",
            "--target serial:///dev/nonexistent-tty: cannot open the serial port",
        ),
    ] {
        let output = Process::cargo_bin("neurofuse")
            .unwrap()
            .arg("run")
            .arg(&image_dir)
            .args(["--target", target, "--ticks", "10", "--out"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{target}");
        assert!(stderr.contains(message), "{target}: {stderr}");
    }
}

/// A pseudo-terminal whose other end is forwarded to `address`: a serial line to a board.
fn serial_line_to(address: &str) -> (String, std::os::fd::OwnedFd) {
    use nix::sys::termios;
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut raw = termios::tcgetattr(&pty.slave).unwrap();
    termios::cfmakeraw(&mut raw);
    termios::tcsetattr(&pty.slave, termios::SetArg::TCSANOW, &raw).unwrap();
    let name = nix::unistd::ttyname(&pty.slave).unwrap();
    let tcp = std::net::TcpStream::connect(address).unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut from_line = std::fs::File::from(pty.master);
    let mut to_line = from_line.try_clone().unwrap();
    let mut to_board = tcp.try_clone().unwrap();
    let mut from_board = tcp;
    std::thread::spawn(move || std::io::copy(&mut from_line, &mut to_board));
    std::thread::spawn(move || std::io::copy(&mut from_board, &mut to_line));
    // The test keeps the line's own end open, so the client's leaving is not a hang-up.
    (name.display().to_string(), pty.slave)
}

#[test]
fn run_over_a_serial_line_drives_the_chip_through_its_bus_alone() {
    if !testbench::rtl_available() {
        return;
    }
    let dir = TempDir::new().unwrap();
    let image_dir = dir.path().join("image");
    image(6).save(&image_dir).unwrap();
    // `serve --engine rtl` answers ReadWord, WriteWord and WriteBurst as a board's UART bridge does; the
    // serial target sends nothing else.
    let server = Server::start("rtl");
    let (tty, _line) = serial_line_to(&server.address);
    let run = |target: &str, out: &str| {
        let output = Process::cargo_bin("neurofuse")
            .unwrap()
            .arg("run")
            .arg(&image_dir)
            .args(["--target", target, "--ticks", "150", "--input-rate", "3000"])
            .args(["--seed", "4", "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(dir.path().join(out).join("spikes.csv")).unwrap()
    };
    let direct = run("sim", "direct");
    let serial = run(&format!("serial://{tty}"), "serial");
    assert!(direct.lines().count() > 20, "too few spikes to compare");
    assert_eq!(serial, direct);
}
