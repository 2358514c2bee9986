//! The server's limits, in process: clients beyond the cap are told so, an idle client is
//! disconnected, a client that never says Hello gets no engine.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chip::ChipImage;
use link::{Client, ClientError, Engine, ErrorCode, NeuronProbe, ServerOptions, Unsupported};

struct Null;

impl Engine for Null {
    fn name(&self) -> &'static str {
        "null"
    }
    fn description(&self) -> String {
        "an engine that does nothing".into()
    }
    fn load(&mut self, _: ChipImage) -> Result<(), String> {
        Err("no".into())
    }
    fn run(&mut self, inputs: &[Vec<u32>]) -> Result<link::RunOutput, String> {
        Ok((vec![vec![]; inputs.len()], 0))
    }
    fn probe(&mut self, _: u32, _: u32) -> Result<NeuronProbe, String> {
        Err("no".into())
    }
    fn read_word(&mut self, _: u32) -> Result<u32, Unsupported> {
        Ok(7)
    }
    fn write_word(&mut self, _: u32, _: u32) -> Result<(), Unsupported> {
        Ok(())
    }
    fn ticks(&self) -> u64 {
        0
    }
    fn loaded(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_over_the_cap_are_refused_idle_ones_dropped_and_engines_made_at_hello() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let engines = Arc::new(AtomicUsize::new(0));
    let made = engines.clone();
    let factory: link::EngineFactory = Arc::new(move || {
        made.fetch_add(1, Ordering::SeqCst);
        Box::new(Null)
    });
    let options = ServerOptions {
        idle_timeout: Duration::from_millis(300),
        max_clients: 2,
        ..ServerOptions::default()
    };
    tokio::spawn(link::serve(listener, factory, options, Arc::new(|_| {})));

    // A connection that never says Hello makes no engine.
    let silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    let mut first = Client::connect(&address).await.unwrap();
    assert_eq!(first.read_word(0).await.unwrap(), 7);
    assert_eq!(engines.load(Ordering::SeqCst), 1);
    match Client::connect(&address).await {
        Err(ClientError::Remote { code, message }) => {
            assert_eq!(code, ErrorCode::Refused);
            assert!(message.contains("at most 2 clients"), "{message}");
        }
        other => panic!("a third client was served: {:?}", other.map(|c| c.welcome)),
    }
    // The silent one is dropped after the idle timeout, which frees its place.
    tokio::time::sleep(Duration::from_millis(600)).await;
    drop(silent);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // `first` idled out too.
    assert!(first.read_word(0).await.is_err());
    let mut again = Client::connect(&address).await.unwrap();
    assert_eq!(again.status().await.unwrap().0, "null");
    assert_eq!(engines.load(Ordering::SeqCst), 2);
}
