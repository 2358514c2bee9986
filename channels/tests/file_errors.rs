//! A bad channel file is reported with the file, the channel, the gate or field, and the
//! problem: never a panic, never a silently different model.

use channels::ChannelSet;

const GOOD: &str = r#"
name = "demo"
[constants]
VT = -63.0
[[channel]]
name = "na"
conductance = 100.0
reversal = 50.0
[[channel.gate]]
name = "m"
power = 3
alpha = "0.32 * 4 / exprel((13 - V + VT) / 4)"
beta = "0.28 * 5 / exprel((V - VT - 40) / 5)"
[[channel]]
name = "leak"
conductance = 0.1
reversal = -65.0
"#;

fn error_of(text: &str) -> String {
    ChannelSet::from_toml(text, "cells/demo.toml")
        .unwrap_err()
        .to_string()
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for p in parts {
        assert!(message.contains(p), "error message lacks {p:?}:\n{message}");
    }
}

#[test]
fn the_good_file_loads() {
    let set = ChannelSet::from_toml(GOOD, "cells/demo.toml").unwrap();
    assert_eq!(set.gates[0].name, "na.m");
    assert_eq!(set.channels[0].factors[0].power, 3);
}

#[test]
fn unknown_variable() {
    let m = error_of(&GOOD.replace("(13 - V + VT)", "(13 - V + VTT)"));
    assert_mentions(
        &m,
        &[
            "cells/demo.toml",
            "channel 'na'",
            "gate 'm'",
            "`alpha`",
            "unknown variable 'VTT'",
            "column",
        ],
    );
}

#[test]
fn syntax_error() {
    let m = error_of(&GOOD.replace("exprel((V - VT - 40) / 5)", "exprel((V - VT - 40) / 5"));
    assert_mentions(
        &m,
        &[
            "cells/demo.toml",
            "channel 'na'",
            "gate 'm'",
            "`beta`",
            "expected ')'",
        ],
    );
}

#[test]
fn missing_field() {
    let m = error_of(&GOOD.replace("reversal = 50.0\n", ""));
    assert_mentions(&m, &["cells/demo.toml", "missing field `reversal`"]);
}

#[test]
fn misspelled_field_is_not_ignored() {
    let m = error_of(&GOOD.replace("conductance = 0.1", "conductanse = 0.1"));
    assert_mentions(&m, &["cells/demo.toml", "conductanse"]);
}

#[test]
fn singular_rate_names_the_voltage() {
    // The textbook form of alpha_m is 0/0 at V = -40 mV, a point the tables sample.
    let m = error_of(&GOOD.replace(
        "0.32 * 4 / exprel((13 - V + VT) / 4)",
        "0.1 * (V + 40) / (1 - exp(-(V + 40) / 10))",
    ));
    assert_mentions(
        &m,
        &[
            "channel 'na'",
            "gate 'm'",
            "`alpha`",
            "not finite at V = -40 mV",
            "vtrap",
        ],
    );
}

#[test]
fn negative_rate_and_bad_steady_state() {
    let m = error_of(&GOOD.replace("0.28 * 5 / exprel((V - VT - 40) / 5)", "V / 10"));
    assert_mentions(&m, &["`beta`", "expected a rate >= 0"]);
    let inf_tau = GOOD
        .replace(
            "alpha = \"0.32 * 4 / exprel((13 - V + VT) / 4)\"",
            "inf = \"1.5\"",
        )
        .replace(
            "beta = \"0.28 * 5 / exprel((V - VT - 40) / 5)\"",
            "tau = \"1\"",
        );
    assert_mentions(&error_of(&inf_tau), &["`inf`", "steady state in [0, 1]"]);
}

#[test]
fn kinetics_must_be_one_form() {
    let m = error_of(&GOOD.replace("beta = ", "tau = "));
    assert_mentions(&m, &["gate 'm'", "either `alpha` and `beta`"]);
}

#[test]
fn structural_problems() {
    assert_mentions(
        &error_of(&GOOD.replace("power = 3", "power = 0")),
        &["`power`", "1..=8"],
    );
    assert_mentions(
        &error_of(&GOOD.replace("name = \"leak\"", "name = \"na\"")),
        &["channel 'na'", "already defined"],
    );
    assert_mentions(
        &error_of(&GOOD.replace("conductance = 100.0", "conductance = -1.0")),
        &["`conductance`", "non-negative"],
    );
    // Without a leak the membrane conductance could reach zero.
    let no_leak = GOOD.split("[[channel]]\nname = \"leak\"").next().unwrap();
    assert_mentions(&error_of(no_leak), &["needs a leak"]);
    assert_mentions(
        &error_of(
            "name = \"x\"\ncapacitance = 0\n[[channel]]\nname='l'\nconductance=1\nreversal=0\n",
        ),
        &["`capacitance`"],
    );
}

#[test]
fn toml_syntax_error_has_a_line() {
    let m = error_of("name = \"x\"\n[[channel]\n");
    assert_mentions(&m, &["cells/demo.toml", "line 2"]);
}

#[test]
fn unreadable_file() {
    let m = ChannelSet::from_file(std::path::Path::new("/nonexistent/cells.toml"))
        .unwrap_err()
        .to_string();
    assert_mentions(&m, &["/nonexistent/cells.toml", "cannot read"]);
}
