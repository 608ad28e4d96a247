"""Build small FMI 2.0 co-simulation FMUs from C with gcc, for testing the
master on FMUs that pythonfmu did not make.

A model is a set of Real variables (parameters, inputs, outputs, states)
with C expressions: ``derivatives`` for each state, ``outputs`` for each
output, written in the variable names. ``doStep`` integrates with classic
RK4 over ``substeps`` internal steps per communication interval with the
inputs held. ``discrete`` adds Integer and Boolean variables (their own
value references from 0; outputs are C expressions of the time ``t``, the
Reals and the other discrete variables, updated after each step). Two
parameters every FMU has: ``fail_time`` (``doStep`` returns
fmi2Error and logs a message once the step would pass it) and ``max_step``
(a longer step returns fmi2Discard, state unchanged).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import fmpy

HEADERS = Path(fmpy.__file__).parent / "c-code"

C_TEMPLATE = r"""
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "fmi2Functions.h"

#define NR %(nr)d
#define NX %(nx)d
#define SUBSTEPS %(substeps)d
#define FAIL_VR %(fail_vr)d
#define MAXSTEP_VR %(maxstep_vr)d
#define NI %(ni)d

typedef struct { double t; double R[NR]; int I[NI > 0 ? NI : 1]; } Snapshot;
typedef struct {
    Snapshot s;
    const fmi2CallbackFunctions *cb;
    char name[128];
} Model;

static const int X_VR[NX > 0 ? NX : 1] = {%(state_vrs)s};

%(macros)s
static void outputs(double *R) {
%(outputs)s
}

static void derivatives(double *R, double *dx) {
    outputs(R);
%(derivatives)s
}

static void discrete(Snapshot *s) {
    double *R = s->R; int *I = s->I; double t = s->t;
    (void)R; (void)I; (void)t;
%(discrete)s
}
%(undefs)s

static void rk4(double *R0, double h) {
    double k[4][NX > 0 ? NX : 1], R[NR];
    int i, s;
    static const double c[4] = {0.0, 0.5, 0.5, 1.0};
    for (s = 0; s < 4; s++) {
        memcpy(R, R0, sizeof(R));
        for (i = 0; i < NX; i++) if (s > 0) R[X_VR[i]] += c[s] * h * k[s-1][i];
        derivatives(R, k[s]);
    }
    for (i = 0; i < NX; i++)
        R0[X_VR[i]] += h / 6.0 * (k[0][i] + 2*k[1][i] + 2*k[2][i] + k[3][i]);
    outputs(R0);
}

static void logmsg(Model *m, fmi2Status status, const char *msg) {
    if (m->cb && m->cb->logger) m->cb->logger(m->cb->componentEnvironment, m->name, status, "logError", msg);
}

const char* fmi2GetTypesPlatform(void) { return fmi2TypesPlatform; }
const char* fmi2GetVersion(void) { return fmi2Version; }
fmi2Status fmi2SetDebugLogging(fmi2Component c, fmi2Boolean l, size_t n, const fmi2String cat[]) { return fmi2OK; }

fmi2Component fmi2Instantiate(fmi2String name, fmi2Type type, fmi2String guid, fmi2String loc,
                              const fmi2CallbackFunctions *cb, fmi2Boolean visible, fmi2Boolean logging) {
    Model *m = (Model*) calloc(1, sizeof(Model));
    m->cb = cb;
    strncpy(m->name, name, sizeof(m->name) - 1);
%(starts)s
    outputs(m->s.R);
    discrete(&m->s);
    return m;
}
void fmi2FreeInstance(fmi2Component c) { free(c); }
fmi2Status fmi2SetupExperiment(fmi2Component c, fmi2Boolean tol, fmi2Real t, fmi2Real start, fmi2Boolean stop, fmi2Real stopt) {
    ((Model*)c)->s.t = start; return fmi2OK;
}
fmi2Status fmi2EnterInitializationMode(fmi2Component c) { return fmi2OK; }
fmi2Status fmi2ExitInitializationMode(fmi2Component c) { outputs(((Model*)c)->s.R); discrete(&((Model*)c)->s); return fmi2OK; }
fmi2Status fmi2Terminate(fmi2Component c) { return fmi2OK; }
fmi2Status fmi2Reset(fmi2Component c) {  /* back to the state after fmi2Instantiate */
    Model *m = (Model*)c;
    memset(&m->s, 0, sizeof(m->s));
%(starts)s
    outputs(m->s.R);
    discrete(&m->s);
    return fmi2OK;
}

fmi2Status fmi2GetReal(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Real v[]) {
    Model *m = (Model*)c; size_t i;
    outputs(m->s.R);
    for (i = 0; i < n; i++) { if (vr[i] >= NR) return fmi2Error; v[i] = m->s.R[vr[i]]; }
    return fmi2OK;
}
fmi2Status fmi2SetReal(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Real v[]) {
    Model *m = (Model*)c; size_t i;
    for (i = 0; i < n; i++) { if (vr[i] >= NR) return fmi2Error; m->s.R[vr[i]] = v[i]; }
    return fmi2OK;
}
static fmi2Status get_discrete(fmi2Component c, const fmi2ValueReference vr[], size_t n, int v[]) {
    Model *m = (Model*)c; size_t i;
    discrete(&m->s);
    for (i = 0; i < n; i++) { if (vr[i] >= NI) return fmi2Error; v[i] = m->s.I[vr[i]]; }
    return fmi2OK;
}
static fmi2Status set_discrete(fmi2Component c, const fmi2ValueReference vr[], size_t n, const int v[]) {
    Model *m = (Model*)c; size_t i;
    for (i = 0; i < n; i++) { if (vr[i] >= NI) return fmi2Error; m->s.I[vr[i]] = v[i]; }
    return fmi2OK;
}
fmi2Status fmi2GetInteger(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Integer v[]) { return get_discrete(c, vr, n, v); }
fmi2Status fmi2SetInteger(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Integer v[]) { return set_discrete(c, vr, n, v); }
fmi2Status fmi2GetBoolean(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2Boolean v[]) { return get_discrete(c, vr, n, v); }
fmi2Status fmi2SetBoolean(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Boolean v[]) { return set_discrete(c, vr, n, v); }
fmi2Status fmi2GetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, fmi2String v[]) { return n ? fmi2Error : fmi2OK; }
fmi2Status fmi2SetString(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2String v[]) { return n ? fmi2Error : fmi2OK; }

fmi2Status fmi2GetFMUstate(fmi2Component c, fmi2FMUstate *st) {
    Snapshot *s = *st ? (Snapshot*)*st : (Snapshot*) malloc(sizeof(Snapshot));
    *s = ((Model*)c)->s; *st = s; return fmi2OK;
}
fmi2Status fmi2SetFMUstate(fmi2Component c, fmi2FMUstate st) { ((Model*)c)->s = *(Snapshot*)st; return fmi2OK; }
fmi2Status fmi2FreeFMUstate(fmi2Component c, fmi2FMUstate *st) { free(*st); *st = NULL; return fmi2OK; }
fmi2Status fmi2SerializedFMUstateSize(fmi2Component c, fmi2FMUstate st, size_t *size) { *size = sizeof(Snapshot); return fmi2OK; }
fmi2Status fmi2SerializeFMUstate(fmi2Component c, fmi2FMUstate st, fmi2Byte b[], size_t size) { memcpy(b, st, sizeof(Snapshot)); return fmi2OK; }
fmi2Status fmi2DeSerializeFMUstate(fmi2Component c, const fmi2Byte b[], size_t size, fmi2FMUstate *st) {
    Snapshot *s = (Snapshot*) malloc(sizeof(Snapshot)); memcpy(s, b, sizeof(Snapshot)); *st = s; return fmi2OK;
}
fmi2Status fmi2GetDirectionalDerivative(fmi2Component c, const fmi2ValueReference u[], size_t nu,
    const fmi2ValueReference z[], size_t nz, const fmi2Real dv[], fmi2Real dz[]) { return fmi2Error; }

fmi2Status fmi2SetRealInputDerivatives(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Integer o[], const fmi2Real v[]) { return fmi2Error; }
fmi2Status fmi2GetRealOutputDerivatives(fmi2Component c, const fmi2ValueReference vr[], size_t n, const fmi2Integer o[], fmi2Real v[]) { return fmi2Error; }
fmi2Status fmi2CancelStep(fmi2Component c) { return fmi2Error; }
fmi2Status fmi2GetStatus(fmi2Component c, const fmi2StatusKind s, fmi2Status *v) { return fmi2Error; }
fmi2Status fmi2GetRealStatus(fmi2Component c, const fmi2StatusKind s, fmi2Real *v) { return fmi2Error; }
fmi2Status fmi2GetIntegerStatus(fmi2Component c, const fmi2StatusKind s, fmi2Integer *v) { return fmi2Error; }
fmi2Status fmi2GetBooleanStatus(fmi2Component c, const fmi2StatusKind s, fmi2Boolean *v) { return fmi2Error; }
fmi2Status fmi2GetStringStatus(fmi2Component c, const fmi2StatusKind s, fmi2String *v) { return fmi2Error; }

fmi2Status fmi2DoStep(fmi2Component c, fmi2Real t, fmi2Real h, fmi2Boolean noSetPrior) {
    Model *m = (Model*)c; int i; char msg[256];
    if (t + h > m->s.R[FAIL_VR] + 1e-12) {
        snprintf(msg, sizeof(msg), "model blew up at t=%%g (fail_time=%%g)", t + h, m->s.R[FAIL_VR]);
        logmsg(m, fmi2Error, msg);
        return fmi2Error;
    }
    if (h > m->s.R[MAXSTEP_VR] * (1 + 1e-12)) return fmi2Discard;
    for (i = 0; i < SUBSTEPS; i++) rk4(m->s.R, h / SUBSTEPS);
    m->s.t = t + h;
    discrete(&m->s);
    return fmi2OK;
}
"""


@dataclass
class CModel:
    """A linear or nonlinear ODE model for a test FMU. Each dict maps a
    variable name to (start value, unit); ``derivatives`` and ``outputs`` map
    state/output names to C expressions; ``feedthrough`` lists, per output,
    the inputs its expression reads."""

    name: str
    parameters: dict[str, tuple[float, str]] = field(default_factory=dict)
    inputs: dict[str, tuple[float, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (C expr, unit)
    states: dict[str, tuple[float, str]] = field(default_factory=dict)
    derivatives: dict[str, str] = field(default_factory=dict)
    feedthrough: dict[str, list[str]] = field(default_factory=dict)
    substeps: int = 10
    units: dict[str, dict[str, int]] = field(default_factory=dict)  # unit -> base exponents
    # name -> (type "Integer" | "Boolean", causality, start, C expression for an output)
    discrete: dict[str, tuple[str, str, int, str]] = field(default_factory=dict)

    def variables(self) -> list[tuple[str, str, float, str]]:
        """(name, causality, start, unit) in value-reference order."""
        rows = [(n, "parameter", s, u) for n, (s, u) in self.parameters.items()]
        rows += [("fail_time", "parameter", 1e300, "s"), ("max_step", "parameter", 1e300, "s")]
        rows += [(n, "input", s, u) for n, (s, u) in self.inputs.items()]
        rows += [(n, "output", 0.0, u) for n, (_, u) in self.outputs.items()]
        rows += [(n, "local", s, u) for n, (s, u) in self.states.items()]
        return rows


def _c_source(model: CModel) -> str:
    rows = model.variables()
    index = {name: vr for vr, (name, *_rest) in enumerate(rows)}
    macros = "\n".join([f"#define {name} (R[{vr}])" for name, vr in index.items()]
                       + [f"#define {name} (I[{vr}])" for vr, name in enumerate(model.discrete)])
    undefs = "\n".join(f"#undef {name}" for name in [*index, *model.discrete])
    starts = "\n".join(f"    m->s.R[{vr}] = {start!r};" for vr, (_, _, start, _) in enumerate(rows))
    starts += "\n" + "\n".join(f"    m->s.I[{vr}] = {int(start)};"
                                for vr, (_, _, start, _) in enumerate(model.discrete.values()))
    discrete = "\n".join(f"    {name} = (int)({expr});" for name, (_, causality, _, expr) in model.discrete.items()
                         if causality == "output")
    outputs = "\n".join(f"    {name} = {expr};" for name, (expr, _) in model.outputs.items())
    derivatives = "\n".join(f"    dx[{i}] = {model.derivatives[name]};" for i, name in enumerate(model.states))
    state_vrs = ", ".join(str(index[name]) for name in model.states) or "0"
    source = C_TEMPLATE % dict(nr=len(rows), nx=len(model.states), macros=macros, state_vrs=state_vrs,
                               outputs=outputs, derivatives=derivatives, starts=starts, undefs=undefs,
                               substeps=model.substeps, fail_vr=index["fail_time"],
                               ni=len(model.discrete), discrete=discrete,
                               maxstep_vr=index["max_step"])
    return source


def _unit(unit: str | None) -> str:
    """The unit attribute (none for a variable declared without a unit, as FMI allows)."""
    return f' unit="{unit}"' if unit else ""


def _model_description(model: CModel) -> str:
    rows = model.variables()
    units = sorted({u for *_, u in rows if u})
    unit_xml = "".join(
        f'<Unit name="{u}"><BaseUnit {" ".join(f"{k}={chr(34)}{v}{chr(34)}" for k, v in model.units.get(u, {}).items())}/></Unit>'
        for u in units)
    variables, output_indices = [], []
    for vr, (name, causality, start, unit) in enumerate(rows):
        if causality == "output":
            variables.append(f'<ScalarVariable name="{name}" valueReference="{vr}" causality="output" '
                             f'variability="continuous" initial="calculated"><Real{_unit(unit)}/></ScalarVariable>')
            output_indices.append((vr + 1, name))
        elif causality == "parameter":
            variables.append(f'<ScalarVariable name="{name}" valueReference="{vr}" causality="parameter" '
                             f'variability="fixed" initial="exact"><Real{_unit(unit)} start="{start!r}"/></ScalarVariable>')
        elif causality == "input":
            variables.append(f'<ScalarVariable name="{name}" valueReference="{vr}" causality="input" '
                             f'variability="continuous"><Real{_unit(unit)} start="{start!r}"/></ScalarVariable>')
        else:
            variables.append(f'<ScalarVariable name="{name}" valueReference="{vr}" causality="local" '
                             f'variability="continuous" initial="exact"><Real{_unit(unit)} start="{start!r}"/></ScalarVariable>')
    for i, (name, (type_name, causality, start, _)) in enumerate(model.discrete.items()):
        value = str(int(start)) if type_name == "Integer" else ("true" if start else "false")
        start_attribute = "" if causality == "output" else f' start="{value}"'
        variability = "fixed" if causality == "parameter" else "discrete"
        variables.append(f'<ScalarVariable name="{name}" valueReference="{i}" causality="{causality}" '
                         f'variability="{variability}"><{type_name}{start_attribute}/></ScalarVariable>')
        if causality == "output":
            output_indices.append((len(variables), name))
    input_index = {name: vr + 1 for vr, (name, c, *_r) in enumerate(rows) if c == "input"}
    input_index.update({name: len(rows) + i + 1 for i, (name, (_, c, *_r)) in enumerate(model.discrete.items())
                        if c == "input"})
    unknowns = []
    for index, name in output_indices:
        deps = " ".join(str(input_index[d]) for d in model.feedthrough.get(name, []))
        unknowns.append(f'<Unknown index="{index}" dependencies="{deps}"/>')
    initial = "".join(f'<Unknown index="{index}"/>' for index, _ in output_indices)
    initial = f"<InitialUnknowns>{initial}</InitialUnknowns>" if initial else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<fmiModelDescription fmiVersion="2.0" modelName="{model.name}" guid="{{{model.name}-0001}}" generationTool="btwin tests" numberOfEventIndicators="0">
  <CoSimulation modelIdentifier="{model.name}" canHandleVariableCommunicationStepSize="true" canGetAndSetFMUstate="true" canSerializeFMUstate="true"/>
  <UnitDefinitions>{unit_xml}</UnitDefinitions>
  <ModelVariables>{''.join(variables)}</ModelVariables>
  <ModelStructure><Outputs>{''.join(unknowns)}</Outputs>{initial}</ModelStructure>
</fmiModelDescription>
"""


def build_fmu(model: CModel, out_dir: Path) -> Path:
    """Compile ``model`` with gcc and package it as ``out_dir/<name>.fmu``."""
    if shutil.which("gcc") is None or not sys.platform.startswith("linux"):
        raise RuntimeError("building test FMUs needs gcc on Linux")
    work = Path(out_dir) / f"{model.name}_src"
    (work / "binaries" / "linux64").mkdir(parents=True, exist_ok=True)
    c_file = work / f"{model.name}.c"
    c_file.write_text(_c_source(model))
    library = work / "binaries" / "linux64" / f"{model.name}.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", f"-I{HEADERS}", "-o", str(library), str(c_file), "-lm"],
                   check=True, capture_output=True, text=True)
    fmu = Path(out_dir) / f"{model.name}.fmu"
    with zipfile.ZipFile(fmu, "w") as zf:
        zf.writestr("modelDescription.xml", _model_description(model))
        zf.write(library, f"binaries/linux64/{model.name}.so")
    return fmu
