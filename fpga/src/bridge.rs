//! The UART bridge (`host_bridge`): the host link's frames (docs/host-link.md) over a serial
//! line, onto the chip's host bus. In hardware it serves the bus requests, Hello, ReadWord,
//! WriteWord and WriteBurst (up to 16 consecutive words, buffered until the CRC checks,
//! then written one per clock); everything else (loading an image, running ticks, reading spikes) the host
//! does through those, as the test bench does. Same frames, same CRC-32, same error codes
//! as the TCP server, so one client speaks to both (but for a burst of over 16 words: the
//! server decodes it and answers Malformed, the bridge sees its length and answers
//! Oversized).
//!
//! Generated Verilog, like the chip top: 8N1 receiver and transmitter at `clocks_per_bit`,
//! a byte-serial CRC-32, the frame parser, and the constant parts of every response in a
//! ROM (encoded here by `link`, so they cannot drift from the protocol). A Word response is
//! its constant head, the data, then the CRC computed as it is sent.
//!
//! On a serial line nothing can be closed: after a framing error (bad magic, bad CRC, a
//! payload over 8 bytes, 68 for WriteBurst) the bridge answers once and hunts for the next `"NF"`. Bytes that
//! arrive while it executes a request or sends a response are dropped (the protocol is one
//! request, then its response).

use std::fmt::Write as _;

use link::{ErrorCode, Response, PROTOCOL_VERSION};

/// Name of the bridge's module.
pub const BRIDGE_TOP: &str = "host_bridge";

/// The longest payload the bridge takes but WriteBurst's (WriteWord's).
pub const MAX_PAYLOAD: u32 = 8;

/// WriteBurst's longest payload: the address and 16 words.
pub const MAX_BURST_PAYLOAD: u32 = 4 + 4 * link::MAX_BURST_WORDS as u32;

// The burst buffer below is 16 words with a 4-bit index.
const _: () = assert!(link::MAX_BURST_WORDS == 16);

/// Clocks a read may take to answer before the bridge reports that nothing answered.
pub const READ_TIMEOUT: u32 = 16;

/// The constant responses, by the name the Verilog gives them.
fn responses() -> Vec<(&'static str, Vec<u8>)> {
    let error = |code, message: &str| Response::error(code, message).to_frame().encode();
    let mut word_head = Response::Word { data: 0 }.to_frame().encode();
    word_head.truncate(link::frame::HEADER);
    let without_crc = |mut frame: Vec<u8>| {
        frame.truncate(frame.len() - 4);
        frame
    };
    vec![
        (
            "WELCOME",
            without_crc(
                Response::Welcome {
                    version: PROTOCOL_VERSION,
                    engine: "board".into(),
                    description:
                        "a neurofuse FPGA board (UART bridge: Hello, ReadWord, WriteWord, WriteBurst)"
                            .into(),
                }
                .to_frame()
                .encode(),
            ),
        ),
        ("WRITTEN", without_crc(Response::Written.to_frame().encode())),
        ("WORD", word_head),
        (
            "BAD_FRAME",
            without_crc(error(
                ErrorCode::BadFrame,
                "bad frame: expected the magic bytes \"NF\"; hunting for the next frame",
            )),
        ),
        (
            "BAD_CHECKSUM",
            without_crc(error(
                ErrorCode::BadChecksum,
                "bad checksum: the frame was dropped",
            )),
        ),
        (
            "OVERSIZED",
            without_crc(error(
                ErrorCode::Oversized,
                "frame payload over the bridge's limit of 8 bytes (68 for WriteBurst)",
            )),
        ),
        (
            "WRONG_VERSION",
            without_crc(error(
                ErrorCode::WrongVersion,
                &format!("this board speaks protocol version {PROTOCOL_VERSION}"),
            )),
        ),
        (
            "HANDSHAKE",
            without_crc(error(
                ErrorCode::HandshakeRequired,
                "the first request must be Hello with the protocol version",
            )),
        ),
        (
            "MALFORMED",
            without_crc(error(
                ErrorCode::Malformed,
                "the payload's length does not match the request",
            )),
        ),
        (
            "UNKNOWN",
            without_crc(error(ErrorCode::UnknownRequest, "unknown request kind")),
        ),
        (
            "UNSUPPORTED",
            without_crc(error(
                ErrorCode::Unsupported,
                "the board's bridge serves Hello, ReadWord, WriteWord and WriteBurst: the host drives the chip over its bus",
            )),
        ),
        (
            "NO_ANSWER",
            without_crc(error(
                ErrorCode::Refused,
                "nothing answered the read (an unmapped unit, or a core busy with a tick)",
            )),
        ),
    ]
}

/// The bridge's Verilog for a UART of `clocks_per_bit` clocks per bit (at least 4).
pub fn bridge_verilog(clocks_per_bit: u32) -> Result<String, String> {
    if !(4..=65535).contains(&clocks_per_bit) {
        return Err(format!(
            "{clocks_per_bit} clocks per UART bit: the bridge needs 4 to 65,535"
        ));
    }
    let responses = responses();
    let mut rom = Vec::new();
    let mut v = String::new();
    let w = &mut v;
    writeln!(w, "// Generated by fpga::bridge: the host link over a UART ({clocks_per_bit} clocks per bit), onto the chip's host bus.").unwrap();
    writeln!(w, "module {BRIDGE_TOP}(clock, reset, uart_rx, uart_tx, bus_address, bus_write_data, bus_write, bus_read, bus_read_data, bus_read_valid);").unwrap();
    w.push_str(
        "    input wire clock;
    input wire reset;
    input wire uart_rx;
    output reg uart_tx;
    output reg [31:0] bus_address;
    output reg [31:0] bus_write_data;
    output reg bus_write;
    output reg bus_read;
    input wire [31:0] bus_read_data;
    input wire bus_read_valid;
",
    );
    writeln!(
        w,
        "    localparam [15:0] CLOCKS_PER_BIT = 16'd{clocks_per_bit};"
    )
    .unwrap();
    // The line reaches the receiver two synchronizer clocks late and the start is seen one
    // clock after that: counting CLOCKS_PER_BIT / 2 - 1 puts each sample in mid-bit.
    writeln!(
        w,
        "    localparam [15:0] HALF_BIT = 16'd{};",
        clocks_per_bit / 2 - 1
    )
    .unwrap();
    writeln!(
        w,
        "    localparam [15:0] PROTOCOL_VERSION = 16'd{PROTOCOL_VERSION};\n    localparam [4:0] READ_TIMEOUT = 5'd{READ_TIMEOUT};"
    )
    .unwrap();
    writeln!(
        w,
        "    localparam [31:0] MAX_PAYLOAD = 32'd{MAX_PAYLOAD}, MAX_BURST_PAYLOAD = 32'd{MAX_BURST_PAYLOAD};"
    )
    .unwrap();
    // Response ROM: each response's bytes without its CRC, one after another.
    let mut starts = Vec::new();
    for (name, bytes) in &responses {
        starts.push((name, rom.len(), rom.len() + bytes.len()));
        rom.extend_from_slice(bytes);
    }
    for (name, start, end) in &starts {
        writeln!(w, "    localparam [9:0] {name}_START = 10'd{start};").unwrap();
        writeln!(w, "    localparam [9:0] {name}_END = 10'd{end};").unwrap();
    }
    assert!(
        rom.len() < 1024,
        "the response ROM outgrew its 10-bit index"
    );
    w.push_str(
        "    // CRC-32 (IEEE, reflected), one byte at a time.
    function [31:0] crc_byte;
        input [31:0] crc;
        input [7:0] data;
        integer i;
        reg [31:0] c;
        begin
            c = crc ^ {24'd0, data};
            for (i = 0; i < 8; i = i + 1)
                c = c[0] ? ((c >> 1) ^ 32'hEDB88320) : (c >> 1);
            crc_byte = c;
        end
    endfunction
    function [7:0] rom_byte;
        input [9:0] index;
        begin
            case (index)
",
    );
    for (i, b) in rom.iter().enumerate() {
        writeln!(w, "                10'd{i}: rom_byte = 8'h{b:02x};").unwrap();
    }
    w.push_str(
        "                default: rom_byte = 8'h00;
            endcase
        end
    endfunction

    // Receiver, 8N1: the line is synchronized, each bit sampled in its middle.
    reg rx_meta, rx_line, rx_active, rx_valid;
    reg [15:0] rx_count;
    reg [3:0] rx_bit;
    reg [7:0] rx_shift, rx_byte;
    always @(posedge clock) begin
        rx_meta <= uart_rx;
        rx_line <= rx_meta;
        rx_valid <= 1'b0;
        if (reset) begin
            rx_active <= 1'b0;
        end else if (!rx_active) begin
            if (!rx_line) begin
                rx_active <= 1'b1;
                rx_count <= HALF_BIT;
                rx_bit <= 4'd0;
            end
        end else if (rx_count != 16'd0) begin
            rx_count <= rx_count - 16'd1;
        end else begin
            rx_count <= CLOCKS_PER_BIT - 16'd1;
            if (rx_bit == 4'd0) begin
                // A start bit still low in its middle; otherwise a glitch.
                if (rx_line) rx_active <= 1'b0; else rx_bit <= 4'd1;
            end else if (rx_bit <= 4'd8) begin
                rx_shift <= {rx_line, rx_shift[7:1]};
                rx_bit <= rx_bit + 4'd1;
            end else begin
                // The stop bit: a byte only if it is high.
                rx_active <= 1'b0;
                if (rx_line) begin
                    rx_valid <= 1'b1;
                    rx_byte <= rx_shift;
                end
            end
        end
    end

    // Frame parser and executor.
    localparam [3:0] S_MAGIC0 = 4'd0, S_MAGIC1 = 4'd1, S_KIND = 4'd2, S_LENGTH = 4'd3,
        S_PAYLOAD = 4'd4, S_CRC = 4'd5, S_EXECUTE = 4'd6, S_READ = 4'd7, S_BURST = 4'd8;
    localparam [7:0] K_HELLO = 8'h01,
        K_READ_WORD = 8'h06, K_WRITE_WORD = 8'h07, K_WRITE_BURST = 8'h08;
    reg [3:0] state;
    reg [2:0] field_count;
    reg [7:0] kind;
    reg [31:0] length, payload_left, rx_crc, crc;
    reg [63:0] payload;
    // WriteBurst: its address and words, kept until the CRC says they may be written.
    reg [6:0] payload_index;
    reg [31:0] burst_address;
    reg [31:0] burst [0:15];
    reg [4:0] burst_words, burst_index;
    reg greeted, garbage_reported;
    reg [4:0] read_timer;
    // Response sender.
    reg sending, start, start_with_data;
    reg [9:0] start_index, start_end, send_index, send_end;
    reg [31:0] start_data, send_data, send_crc;
    reg [2:0] data_left, crc_left;
    reg [1:0] magic_left;
    reg [9:0] tx_shift;
    reg [3:0] tx_left;
    reg [15:0] tx_count;
    wire [31:0] crc_next = crc_byte(crc, rx_byte);
    wire [31:0] length_next = {rx_byte, length[31:8]};
    wire [31:0] rx_crc_next = {rx_byte, rx_crc[31:8]};
    wire [15:0] version = payload[63:48];

    always @(posedge clock) begin
        start <= 1'b0;
        bus_write <= 1'b0;
        bus_read <= 1'b0;
        if (reset) begin
            state <= S_MAGIC0;
            greeted <= 1'b0;
            garbage_reported <= 1'b0;
        end else case (state)
            S_MAGIC0: if (rx_valid) begin
                if (rx_byte == 8'h4e) state <= S_MAGIC1;
                else if (!garbage_reported && !sending && !start) begin
                    garbage_reported <= 1'b1;
                    start <= 1'b1; start_index <= BAD_FRAME_START; start_end <= BAD_FRAME_END;
                    start_with_data <= 1'b0;
                end
            end
            S_MAGIC1: if (rx_valid) begin
                if (rx_byte == 8'h46) begin
                    state <= S_KIND;
                    garbage_reported <= 1'b0;
                    crc <= 32'hFFFFFFFF;
                end else if (rx_byte != 8'h4e) begin
                    state <= S_MAGIC0;
                    if (!garbage_reported && !sending && !start) begin
                        garbage_reported <= 1'b1;
                        start <= 1'b1; start_index <= BAD_FRAME_START; start_end <= BAD_FRAME_END;
                        start_with_data <= 1'b0;
                    end
                end
            end
            S_KIND: if (rx_valid) begin
                kind <= rx_byte;
                crc <= crc_next;
                field_count <= 3'd0;
                state <= S_LENGTH;
            end
            S_LENGTH: if (rx_valid) begin
                length <= length_next;
                crc <= crc_next;
                field_count <= field_count + 3'd1;
                if (field_count == 3'd3) begin
                    field_count <= 3'd0;
                    payload <= 64'd0;
                    payload_left <= length_next;
                    payload_index <= 7'd0;
                    if (length_next > ((kind == K_WRITE_BURST) ? MAX_BURST_PAYLOAD : MAX_PAYLOAD)) begin
                        // Its payload is not read: hunt for the next frame, silently.
                        state <= S_MAGIC0;
                        garbage_reported <= 1'b1;
                        if (!sending && !start) begin
                            start <= 1'b1; start_index <= OVERSIZED_START; start_end <= OVERSIZED_END;
                            start_with_data <= 1'b0;
                        end
                    end else if (length_next == 32'd0) state <= S_CRC;
                    else state <= S_PAYLOAD;
                end
            end
            S_PAYLOAD: if (rx_valid) begin
                payload <= {rx_byte, payload[63:8]};
                payload_index <= payload_index + 7'd1;
                // Each fourth byte completes a word: the address, then the burst's words.
                if (kind == K_WRITE_BURST && payload_index[1:0] == 2'd3) begin
                    if (payload_index[6:2] == 5'd0) burst_address <= {rx_byte, payload[63:40]};
                    else burst[payload_index[5:2] - 4'd1] <= {rx_byte, payload[63:40]};
                end
                crc <= crc_next;
                payload_left <= payload_left - 32'd1;
                if (payload_left == 32'd1) state <= S_CRC;
            end
            S_CRC: if (rx_valid) begin
                rx_crc <= rx_crc_next;
                field_count <= field_count + 3'd1;
                if (field_count == 3'd3) state <= S_EXECUTE;
            end
            S_EXECUTE: if (!sending && !start) begin
                state <= S_MAGIC0;
                start <= 1'b1;
                start_with_data <= 1'b0;
                if (rx_crc != ~crc) begin
                    start_index <= BAD_CHECKSUM_START; start_end <= BAD_CHECKSUM_END;
                end else if (kind == K_HELLO) begin
                    if (length != 32'd2) begin
                        start_index <= MALFORMED_START; start_end <= MALFORMED_END;
                    end else if (version != PROTOCOL_VERSION) begin
                        start_index <= WRONG_VERSION_START; start_end <= WRONG_VERSION_END;
                    end else begin
                        greeted <= 1'b1;
                        start_index <= WELCOME_START; start_end <= WELCOME_END;
                    end
                end else if (kind == 8'h00 || kind > K_WRITE_BURST) begin
                    // As the server: a request is decoded before the handshake is asked for.
                    start_index <= UNKNOWN_START; start_end <= UNKNOWN_END;
                end else if ((kind == K_READ_WORD && length != 32'd4) || (kind == K_WRITE_WORD && length != 32'd8)
                        || (kind == K_WRITE_BURST && (length < 32'd8 || length[1:0] != 2'd0))) begin
                    start_index <= MALFORMED_START; start_end <= MALFORMED_END;
                end else if (!greeted) begin
                    start_index <= HANDSHAKE_START; start_end <= HANDSHAKE_END;
                end else if (kind == K_READ_WORD) begin
                    begin
                        start <= 1'b0;
                        bus_address <= payload[63:32];
                        bus_read <= 1'b1;
                        read_timer <= READ_TIMEOUT;
                        state <= S_READ;
                    end
                end else if (kind == K_WRITE_WORD) begin
                    begin
                        bus_address <= payload[31:0];
                        bus_write_data <= payload[63:32];
                        bus_write <= 1'b1;
                        start_index <= WRITTEN_START; start_end <= WRITTEN_END;
                    end
                end else if (kind == K_WRITE_BURST) begin
                    begin
                        start <= 1'b0;
                        burst_words <= length[6:2] - 5'd1;
                        burst_index <= 5'd0;
                        state <= S_BURST;
                    end
                end else begin
                    // Status, LoadImage, Run, Probe: the host does these over the bus.
                    start_index <= UNSUPPORTED_START; start_end <= UNSUPPORTED_END;
                end
            end
            S_BURST: begin
                // One word per clock, then Written.
                bus_address <= burst_address + {27'd0, burst_index};
                bus_write_data <= burst[burst_index[3:0]];
                bus_write <= 1'b1;
                burst_index <= burst_index + 5'd1;
                if (burst_index + 5'd1 == burst_words) begin
                    state <= S_MAGIC0;
                    start <= 1'b1; start_index <= WRITTEN_START; start_end <= WRITTEN_END;
                    start_with_data <= 1'b0;
                end
            end
            S_READ: begin
                read_timer <= read_timer - 5'd1;
                if (bus_read_valid) begin
                    state <= S_MAGIC0;
                    start <= 1'b1; start_index <= WORD_START; start_end <= WORD_END;
                    start_with_data <= 1'b1;
                    start_data <= bus_read_data;
                end else if (read_timer == 5'd0) begin
                    state <= S_MAGIC0;
                    start <= 1'b1; start_index <= NO_ANSWER_START; start_end <= NO_ANSWER_END;
                    start_with_data <= 1'b0;
                end
            end
            default: state <= S_MAGIC0;
        endcase
    end

    // Sender: the ROM bytes, the data (Word), then the CRC of everything after the magic;
    // each byte framed 8N1 and held CLOCKS_PER_BIT clocks per bit.
    reg [7:0] next_byte;
    always @(*) begin
        if (send_index != send_end) next_byte = rom_byte(send_index);
        else if (data_left != 3'd0) next_byte = send_data[7:0];
        else next_byte = send_crc[7:0];
    end
    always @(posedge clock) begin
        if (reset) begin
            sending <= 1'b0;
            uart_tx <= 1'b1;
            tx_left <= 4'd0;
            tx_count <= 16'd0;
        end else if (start) begin
            sending <= 1'b1;
            send_index <= start_index;
            send_end <= start_end;
            send_data <= start_data;
            data_left <= start_with_data ? 3'd4 : 3'd0;
            crc_left <= 3'd4;
            magic_left <= 2'd2;
            send_crc <= 32'hFFFFFFFF;
        end else if (tx_count != 16'd0) begin
            tx_count <= tx_count - 16'd1;
        end else if (tx_left != 4'd0) begin
            uart_tx <= tx_shift[0];
            tx_shift <= {1'b1, tx_shift[9:1]};
            tx_left <= tx_left - 4'd1;
            tx_count <= CLOCKS_PER_BIT - 16'd1;
        end else if (sending) begin
            // Next byte: stop bit, 8 data bits (LSB first), start bit.
            if (send_index != send_end || data_left != 3'd0 || crc_left != 3'd0) begin
                tx_shift <= {1'b1, next_byte, 1'b0};
                tx_left <= 4'd10;
            end
            if (send_index != send_end) begin
                send_index <= send_index + 10'd1;
                if (magic_left != 2'd0) magic_left <= magic_left - 2'd1;
                else send_crc <= crc_byte(send_crc, next_byte);
                // The CRC goes out inverted (IEEE): invert it once the last covered byte is in.
                if (send_index + 10'd1 == send_end && data_left == 3'd0)
                    send_crc <= ~crc_byte(send_crc, next_byte);
            end else if (data_left != 3'd0) begin
                send_data <= {8'd0, send_data[31:8]};
                data_left <= data_left - 3'd1;
                send_crc <= data_left == 3'd1 ? ~crc_byte(send_crc, next_byte) : crc_byte(send_crc, next_byte);
            end else if (crc_left != 3'd0) begin
                send_crc <= {8'd0, send_crc[31:8]};
                crc_left <= crc_left - 3'd1;
            end else begin
                sending <= 1'b0;
            end
        end
    end
endmodule
",
    );
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rom_holds_every_response_and_bad_rates_are_refused() {
        let v = bridge_verilog(104).unwrap();
        assert!(v.contains("localparam [15:0] CLOCKS_PER_BIT = 16'd104;"));
        for (name, _) in responses() {
            assert!(v.contains(&format!("{name}_START")), "{name}");
        }
        assert!(bridge_verilog(3).unwrap_err().contains("4 to 65,535"));
    }
}
