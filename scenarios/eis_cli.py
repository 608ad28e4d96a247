"""``btwin eis``: the impedance of a cell (or pack) from the SPMe cell model,
in the frequency domain (``btwin.models.battery.impedance``)."""
from __future__ import annotations

import argparse
import difflib
import math
import sys
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from btwin.models.battery import BatteryParameters

from .common import write_csv

_TUNABLE = {f.name: f for f in fields(BatteryParameters)
            if not callable(f.default) and f.name not in ("initial_soc", "initial_temperature")}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "eis", help="impedance spectrum of a cell from the cell model",
        description="Small-signal impedance of BatteryCell's model (SPMe, LG M50 / Chen 2020, with "
                    "double layer) at rest at --soc and --temperature, computed in the frequency domain. "
                    "Writes frequency_Hz, z_real_Ohm, z_imag_Ohm (capacitive: z_imag_Ohm < 0).")
    parser.add_argument("--soc", type=float, default=0.5, help="state of charge in (0, 1), PyBaMM's scale (0.5)")
    parser.add_argument("--temperature", type=float, default=298.15, metavar="K",
                        help="cell temperature [K] (298.15), isothermal")
    parser.add_argument("--fmin", type=float, default=1e-3, metavar="HZ", help="lowest frequency [Hz] (1e-3)")
    parser.add_argument("--fmax", type=float, default=1e3, metavar="HZ", help="highest frequency [Hz] (1e3)")
    parser.add_argument("--points", type=int, default=60, metavar="N",
                        help="frequencies, log-spaced from fmin to fmax (60)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="a BatteryCell model parameter, e.g. n_series=96, contact_resistance=0.002, "
                             "sei_enabled=false (repeatable)")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.csv")
    parser.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                        help="also draw the Nyquist and Bode plots")
    parser.add_argument("--fit", action="store_true",
                        help="fit the equivalent circuit R0-(R_SEI||C)-(R_ct||CPE)-Warburg and print it "
                             "with 95 %% intervals; the SEI arc sits near 18 kHz, so use --fmax 1e6")
    parser.set_defaults(func=run_eis)


def run_eis(args) -> int:
    from btwin.models.battery.impedance import CellImpedance

    try:
        frequencies = _frequencies(args.fmin, args.fmax, args.points)
        parameters = replace(BatteryParameters(), **dict(map(_parameter, args.param)))
        model = CellImpedance.at_soc(args.soc, args.temperature, parameters)
    except ValueError as error:
        print(f"btwin eis: {error}", file=sys.stderr)
        return 2
    z = model.impedance(frequencies)
    write_csv(args.out, {"frequency_Hz": frequencies, "z_real_Ohm": z.real, "z_imag_Ohm": z.imag})
    print(f"wrote {args.out} ({frequencies.size} frequencies, {args.fmin:g} to {args.fmax:g} Hz)")
    _print_summary(model, frequencies, z)
    if args.fit:
        _print_fit(frequencies, z)
    if args.plot is not None:
        from .eis_plots import plot_spectra
        title = f"SPMe impedance at soc {args.soc:g}, {args.temperature:g} K"
        print(f"wrote {plot_spectra(args.plot, {f'soc {args.soc:g}': (frequencies, z)}, title)}")
    return 0


def _frequencies(fmin: float, fmax: float, points: int) -> np.ndarray:
    for name, value in (("--fmin", fmin), ("--fmax", fmax)):
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be a finite frequency > 0 Hz, got {value!r}")
    if points < 1:
        raise ValueError(f"--points must be >= 1, got {points!r}")
    if fmin > fmax or (fmin == fmax and points > 1):
        raise ValueError(f"--fmin ({fmin!r} Hz) must lie below --fmax ({fmax!r} Hz)")
    return np.logspace(math.log10(fmin), math.log10(fmax), points)


def _parameter(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep:
        raise ValueError(f"--param {text!r} is not KEY=VALUE")
    if key not in _TUNABLE:
        close = difflib.get_close_matches(key, _TUNABLE, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"--param {key!r} is not a cell parameter{hint} Known: {', '.join(_TUNABLE)}")
    default = _TUNABLE[key].default
    kind = float if default is None else type(default)
    try:
        if kind is bool:
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError
            return key, lowered in ("true", "1")
        return key, int(value) if kind is int else float(value)
    except ValueError:
        raise ValueError(f"--param {key}={value!r}: not a {kind.__name__}") from None


def _print_summary(model, frequencies, z) -> None:
    e = model.elements()
    scale = model.parameters.n_series / model.parameters.n_parallel
    print(f"  |Z| {np.abs(z).min() * 1e3:.3f} to {np.abs(z).max() * 1e3:.3f} mOhm; "
          f"phase {np.degrees(np.angle(z)).min():.1f} to {np.degrees(np.angle(z)).max():.1f} deg")
    print(f"  model: R0 {e.r0 * scale * 1e3:.3f} mOhm, R_ct {e.r_ct * scale * 1e3:.3f} mOhm "
          f"(negative {e.r_ct_negative * scale * 1e3:.3f}, positive {e.r_ct_positive * scale * 1e3:.3f}), "
          f"R_SEI {e.r_sei * scale * 1e3:.3f} mOhm, DC resistance {model.dc_resistance() * 1e3:.3f} mOhm")


def _print_fit(frequencies, z) -> None:
    from btwin.models.battery.circuit_fit import CIRCUIT, fit_spectrum

    print(f"  fit {CIRCUIT} (95 % intervals):")
    for name, element in fit_spectrum(frequencies, z).items():
        print(f"    {name:12s} {element.value:.6g} [{element.low:.6g}, {element.high:.6g}] {element.unit}")
