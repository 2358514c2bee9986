//! The UART bridge in co-simulation: host-link frames sent bit by bit into the verilated
//! board (the chip behind `fpga::bridge`) give the results the direct host bus gives; every
//! protocol error is answered and the bridge finds the next frame; ticks driven through the
//! bridge alone (`hdl::host`) match `sim` spike for spike.

#[cfg(has_verilator)]
mod verilated {
    use hdl::chip_map::{self, address, UNIT_CHIP, UNIT_CORE};
    use hdl::host;
    use link::frame::Frame;
    use link::{ErrorCode, Request, Response, PROTOCOL_VERSION};
    use testbench::{RtlChip, UartBoard};

    fn error_of(response: Result<Response, String>) -> (ErrorCode, String) {
        match response {
            Ok(Response::Error { code, message }) => (code, message),
            other => panic!("expected an error response, got {other:?}"),
        }
    }

    fn hello(board: &mut UartBoard) {
        match board.request(&Request::Hello {
            version: PROTOCOL_VERSION,
        }) {
            Ok(Response::Welcome {
                version, engine, ..
            }) => assert_eq!((version, engine.as_str()), (PROTOCOL_VERSION, "board")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bus_requests_over_the_uart_give_what_the_direct_bus_gives() {
        let mut board = UartBoard::new();
        let mut direct = RtlChip::new();
        let (code, _) = error_of(board.request(&Request::ReadWord { address: 0 }));
        assert_eq!(code, ErrorCode::HandshakeRequired);
        // As the server: a request is decoded before the handshake is asked for.
        let (code, _) = error_of(board.exchange(&Frame::new(0x42, vec![]).encode()));
        assert_eq!(code, ErrorCode::UnknownRequest);
        let long_hello = Frame::new(0x01, vec![1, 0, 0]).encode();
        assert_eq!(
            error_of(board.exchange(&long_hello)).0,
            ErrorCode::Malformed
        );
        let (code, message) = error_of(board.request(&Request::Hello {
            version: PROTOCOL_VERSION + 1,
        }));
        assert_eq!(code, ErrorCode::WrongVersion);
        assert!(message.contains(&format!("version {PROTOCOL_VERSION}")));
        hello(&mut board);

        let chip = |r| address(UNIT_CHIP, 0, r);
        let v_of = |core, neuron| {
            address(
                UNIT_CORE,
                core,
                hdl::map::address(hdl::map::REGION_V, neuron),
            )
        };
        // (address, data to write first, if any)
        let accesses = [
            (chip(chip_map::CHIP_IDENTITY), None),
            (chip(chip_map::CHIP_SHAPE), None),
            (chip(chip_map::CHIP_STATUS), None),
            (chip(chip_map::CHIP_SHIFT + 1), Some(7)),
            (v_of(1, 5), Some(0x0F_1234)),
            (v_of(3, 255), Some(0x80_0001)),
            (v_of(0, 0), None),
            (address(chip_map::UNIT_SPIKES, 2, 0), None),
            (address(9, 0, 0), None), // no such unit: nothing answers
        ];
        let mut answered = 0;
        for (a, data) in accesses {
            if let Some(d) = data {
                assert_eq!(
                    board.request(&Request::WriteWord {
                        address: a,
                        data: d
                    }),
                    Ok(Response::Written)
                );
                direct.write(a, d);
            }
            let expected = direct.read(a);
            let got = board.request(&Request::ReadWord { address: a }).unwrap();
            match (expected, got) {
                (Some(e), Response::Word { data }) => {
                    assert_eq!(data, e, "read {a:#010x}");
                    answered += 1;
                }
                (None, Response::Error { code, message }) => {
                    assert_eq!(code, ErrorCode::Refused, "{a:#010x}");
                    assert!(message.contains("nothing answered"), "{message}");
                }
                (e, g) => panic!("read {a:#010x}: direct bus {e:?}, bridge {g:?}"),
            }
        }
        assert_eq!(answered, 8);
        assert!(
            board.clocks() > 10_000,
            "the requests went through the UART"
        );
    }

    #[test]
    fn every_protocol_error_is_answered_and_the_bridge_finds_the_next_frame() {
        let mut board = UartBoard::new();
        hello(&mut board);
        let identity = Request::ReadWord {
            address: address(UNIT_CHIP, 0, chip_map::CHIP_IDENTITY),
        };
        let still_serves = |board: &mut UartBoard| {
            assert_eq!(
                board.request(&identity),
                Ok(Response::Word {
                    data: chip_map::CHIP_IDENTITY_VALUE
                })
            );
        };
        let mut corrupt = identity.to_frame().encode();
        *corrupt.last_mut().unwrap() ^= 1;
        assert_eq!(error_of(board.exchange(&corrupt)).0, ErrorCode::BadChecksum);
        still_serves(&mut board);

        // Line noise: one BadFrame for the whole run of garbage, then the next frame.
        let (code, message) = error_of(board.exchange(b"hello, board"));
        assert_eq!(code, ErrorCode::BadFrame);
        assert!(message.contains("\"NF\""), "{message}");
        assert!(
            board.drain(2000).is_empty(),
            "one answer per run of garbage"
        );
        still_serves(&mut board);

        let mut oversized = vec![b'N', b'F', 0x03];
        oversized.extend_from_slice(&1000u32.to_le_bytes());
        let (code, message) = error_of(board.exchange(&oversized));
        assert_eq!(code, ErrorCode::Oversized);
        assert!(message.contains("limit of 8 bytes"), "{message}");
        still_serves(&mut board);
        // An oversized frame sent whole: its payload is hunted through silently.
        let whole = Frame::new(0x03, vec![0x55; 40]).encode();
        assert_eq!(error_of(board.exchange(&whole)).0, ErrorCode::Oversized);
        assert!(board.drain(2000).is_empty(), "one answer for the frame");
        still_serves(&mut board);

        let (code, message) = error_of(board.request(&Request::Status));
        assert_eq!(code, ErrorCode::Unsupported);
        assert!(message.contains("WriteWord and WriteBurst"), "{message}");
        let (code, _) = error_of(board.exchange(&Frame::new(0x42, vec![]).encode()));
        assert_eq!(code, ErrorCode::UnknownRequest);
        let short_read = Frame::new(0x06, vec![0, 0, 0]).encode();
        assert_eq!(
            error_of(board.exchange(&short_read)).0,
            ErrorCode::Malformed
        );
        still_serves(&mut board);
    }

    #[test]
    fn a_burst_writes_what_single_words_write_and_bad_bursts_are_refused() {
        let mut board = UartBoard::new();
        let mut direct = RtlChip::new();
        let v_of = |core, neuron| {
            address(
                UNIT_CORE,
                core,
                hdl::map::address(hdl::map::REGION_V, neuron),
            )
        };
        // Refused bursts write nothing: one before the handshake, one with a bad CRC.
        let spoiled = Request::WriteBurst {
            address: v_of(3, 10),
            words: vec![0xABCDE; 16],
        };
        let (code, _) = error_of(board.request(&spoiled));
        assert_eq!(code, ErrorCode::HandshakeRequired);
        hello(&mut board);
        let mut corrupt = spoiled.to_frame().encode();
        *corrupt.last_mut().unwrap() ^= 0x80;
        assert_eq!(error_of(board.exchange(&corrupt)).0, ErrorCode::BadChecksum);
        for a in v_of(3, 10)..v_of(3, 26) {
            assert_eq!(
                board.request(&Request::ReadWord { address: a }),
                Ok(Response::Word {
                    data: direct.read(a).expect("V memory answers")
                }),
                "{a:#010x} written by a refused burst"
            );
        }
        // The longest burst, a short one and a single word; each checked one past its end.
        for (start, n) in [(v_of(2, 40), 16u32), (v_of(0, 7), 3), (v_of(1, 100), 1)] {
            let words: Vec<u32> = (0..n).map(|k| 0x1_0000 * (k + 1) + 0x123 * n).collect();
            let burst = Request::WriteBurst {
                address: start,
                words: words.clone(),
            };
            assert_eq!(board.request(&burst), Ok(Response::Written));
            for (k, &w) in words.iter().enumerate() {
                direct.write(start + k as u32, w);
            }
            for a in start..=start + n {
                let expected = direct.read(a).expect("V memory answers");
                assert_eq!(
                    board.request(&Request::ReadWord { address: a }),
                    Ok(Response::Word { data: expected }),
                    "read {a:#010x} after a burst of {n} from {start:#010x}"
                );
            }
        }
        // No word, a partial word: malformed; 17 words: over the limit, hunted through.
        let burst = |payload: Vec<u8>| Frame::new(0x08, payload).encode();
        for bytes in [4, 10] {
            assert_eq!(
                error_of(board.exchange(&burst(vec![0; bytes]))).0,
                ErrorCode::Malformed,
                "{bytes} bytes"
            );
        }
        let (code, message) = error_of(board.exchange(&burst(vec![0; 4 + 17 * 4])));
        assert_eq!(code, ErrorCode::Oversized);
        assert!(message.contains("68 for WriteBurst"), "{message}");
        assert!(board.drain(2000).is_empty(), "one answer for the frame");
        assert_eq!(
            board.request(&Request::ReadWord {
                address: address(UNIT_CHIP, 0, chip_map::CHIP_IDENTITY)
            }),
            Ok(Response::Word {
                data: chip_map::CHIP_IDENTITY_VALUE
            })
        );
    }

    /// An image's first 4,000 writes (to the end of the burst that crosses it) through the
    /// bridge in bursts, as `neurofuse run
    /// --target serial://` sends a board all of them (the whole image would take minutes of
    /// simulated UART), the rest over the direct bus; then ticks (direct, for speed) spike
    /// for spike the model's.
    #[test]
    fn an_image_loaded_through_the_bridge_in_bursts_runs_like_the_model() {
        use hdl::host::HostBus;
        let image = random_image();
        let mut board = UartBoard::new();
        hello(&mut board);
        let loaded = chip_map::load(&image).unwrap();
        let (mut sent, mut frames, mut uart_writes) = (0, 0, 0);
        for run in host::bursts(&loaded.writes) {
            let data: Vec<u32> = run.iter().map(|w| w.data).collect();
            if sent < 4000 {
                board
                    .over_uart()
                    .write_burst(run[0].address, &data)
                    .unwrap();
                frames += 1;
                uart_writes += run.len();
            } else {
                board.direct().write_burst(run[0].address, &data).unwrap();
            }
            sent += run.len();
        }
        let all = host::bursts(&loaded.writes).count();
        eprintln!(
            "{} writes in {all} bursts; {uart_writes} of them through the bridge in {frames} frames",
            loaded.writes.len()
        );
        // Memories are written in address order, so nearly every burst is full.
        assert!(all * 14 < loaded.writes.len(), "{all} bursts: too short");
        assert!(
            frames * 14 < uart_writes,
            "{frames} frames for {uart_writes} writes: too short"
        );
        let mut model = sim::ChipModel::new(&image).unwrap();
        let mut spikes = 0;
        for t in 0..120 {
            let fired = inputs_at(t);
            let got = host::run_tick(&mut board.direct(), &loaded, 4, &fired).unwrap();
            assert_eq!(got.spikes, model.tick(&fired).to_vec(), "tick {t}");
            spikes += got.spikes.len();
        }
        assert!(spikes > 0, "no spikes to compare");
    }

    #[test]
    fn ticks_driven_through_the_bridge_alone_match_the_model() {
        let image = random_image();
        let mut board = UartBoard::new();
        // The image goes in over the direct bus (61,881 writes would take minutes of
        // simulated UART); everything after it goes through the bridge.
        let loaded = host::load(&mut board.direct(), &image, &mut |_, _| {}).unwrap();
        hello(&mut board);
        let mut model = sim::ChipModel::new(&image).unwrap();
        let mut spikes = 0;
        for t in 0..120 {
            let fired = inputs_at(t);
            let got = host::run_tick(&mut board.over_uart(), &loaded, 4, &fired).unwrap();
            let expected = model.tick(&fired).to_vec();
            assert_eq!(got.spikes, expected, "tick {t}");
            spikes += expected.len();
        }
        eprintln!(
            "120 ticks through the bridge: {spikes} spikes, {} clocks",
            board.clocks()
        );
        assert!(spikes > 0, "no spikes to compare");
    }

    #[test]
    fn the_bus_only_driver_matches_the_driver_that_watches_the_ports() {
        let image = random_image();
        let mut by_ports = RtlChip::new();
        by_ports.load(&image).unwrap();
        let mut by_bus = RtlChip::new();
        let loaded = host::load(&mut by_bus, &image, &mut |_, _| {}).unwrap();
        let mut spikes = 0;
        for t in 0..200 {
            let fired = inputs_at(t);
            let expected = by_ports.tick(&fired).unwrap();
            let got = host::run_tick(&mut by_bus, &loaded, 4, &fired).unwrap();
            assert_eq!(got.spikes, expected.spikes, "tick {t}");
            assert_eq!(got.cycles, expected.cycles, "tick {t}");
            spikes += got.spikes.len();
        }
        assert!(spikes > 0, "no spikes to compare");
        let mut wrong = image.clone();
        wrong.config.mesh.width = 1;
        wrong.config.mesh.height = 4;
        let e = host::load(&mut by_bus, &wrong, &mut |_, _| {}).unwrap_err();
        assert!(
            e.contains("the image is for 1 x 4 cores") && e.contains("the chip is 2 x 2 cores"),
            "{e}"
        );
        let e = host::run_tick(&mut by_bus, &loaded, 4, &[32]).unwrap_err();
        assert_eq!(e, "input 32 does not exist; the image has 32");
    }

    /// A random network on builtin:small, as `neurofuse cosim --random-network` builds it.
    fn random_image() -> chip::ChipImage {
        let spec = network::random::RandomNetwork {
            seed: 3,
            ..network::random::RandomNetwork::default()
        };
        let config = chip::ChipConfig::builtin("small").unwrap();
        compiler::compile(&spec.build(), &config).unwrap().image
    }

    /// About a third of the 32 inputs fire each tick: enough drive for spikes within a
    /// few milliseconds.
    fn inputs_at(t: u32) -> Vec<u32> {
        (0..32).filter(|i| (i * 7 + t) % 3 == 0).collect()
    }
}

#[cfg(not(has_verilator))]
#[test]
fn uart_bridge_needs_verilator() {
    eprintln!("{}", testbench::RTL_SKIPPED);
}
