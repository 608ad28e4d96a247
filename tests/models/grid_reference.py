"""The same feeder in pandapower, the reference for the grid tests and benchmark.

Builds a pandapower network from :class:`btwin.models.grid.FeederParameters`
with every value passed explicitly (no standard-type lookup), so both models
see identical data. The MV supply is an ideal slack behind a 1 km "line" that
carries the source impedance; the transformer's phase shift is set to zero
(it turns angles only, never magnitudes or powers).
"""
import math

import pandapower as pp

from btwin.models.grid import BUSBAR, FeederParameters, Line, LoadPoint, network

# A second, different feeder: a long rural street behind a 400 kVA unit, a weak
# MV supply with a raised set point, mixed cables and five load points.
RURAL = FeederParameters(
    transformer=network.TRAFO_400KVA_20_04,
    lines=(
        Line("l1", BUSBAR, "b1", network.NAYY_4X150_SE, 0.20),
        Line("l2", "b1", "b2", network.NAYY_4X150_SE, 0.15),
        Line("l3", "b2", "b3", network.NAYY_4X120_SE, 0.25),
        Line("l4", "b1", "b4", network.NAYY_4X50_SE, 0.12),
        Line("l5", "b3", "b5", network.NAYY_4X50_SE, 0.30),
    ),
    loads=(LoadPoint("a", "b1", 0.95), LoadPoint("b", "b2", 1.0), LoadPoint("c", "b3", 0.9),
           LoadPoint("d", "b4", 0.97), LoadPoint("e", "b5", 0.85)),
    source_voltage_pu=1.03, source_short_circuit_power_va=40e6, source_r_over_x=0.3)


def street_feeder(trunk_sections=10, houses_per_cabinet=2):
    """A larger synthetic feeder: a NAYY 4x150 trunk of 40 m sections, each
    cabinet feeding houses over 25 m of NAYY 4x50; one load point per house."""
    lines, loads, previous = [], [], BUSBAR
    for k in range(trunk_sections):
        cabinet = f"cabinet_{k}"
        lines.append(Line(f"trunk_{k}", previous, cabinet, network.NAYY_4X150_SE, 0.04))
        for h in range(houses_per_cabinet):
            house = f"house_{k}_{h}"
            lines.append(Line(f"service_{k}_{h}", cabinet, house, network.NAYY_4X50_SE, 0.025))
            loads.append(LoadPoint(house, house, 0.97))
        previous = cabinet
    return FeederParameters(transformer=network.TRAFO_400KVA_20_04, lines=tuple(lines),
                            loads=tuple(loads))


def build_pandapower(params):
    trafo = params.transformer
    net = pp.create_empty_network(f_hz=params.frequency_hz, sn_mva=trafo.sn_va / 1e6)
    vn_hv_kv, vn_lv_kv = trafo.vn_hv_v / 1e3, trafo.vn_lv_v / 1e3
    slack = pp.create_bus(net, vn_kv=vn_hv_kv, name="mv_source")
    mv = pp.create_bus(net, vn_kv=vn_hv_kv, name="mv_terminal")
    pp.create_ext_grid(net, slack, vm_pu=params.source_voltage_pu)
    z_ohm = trafo.vn_hv_v ** 2 / params.source_short_circuit_power_va
    x_ohm = z_ohm / math.sqrt(1.0 + params.source_r_over_x ** 2)
    pp.create_line_from_parameters(net, slack, mv, length_km=1.0, name="source",
                                   r_ohm_per_km=params.source_r_over_x * x_ohm,
                                   x_ohm_per_km=x_ohm, c_nf_per_km=0.0, max_i_ka=1e3)
    buses = {name: pp.create_bus(net, vn_kv=vn_lv_kv, name=name) for name in params.bus_names()}
    pp.create_transformer_from_parameters(
        net, mv, buses[BUSBAR], sn_mva=trafo.sn_va / 1e6, vn_hv_kv=vn_hv_kv, vn_lv_kv=vn_lv_kv,
        vkr_percent=trafo.vkr_percent, vk_percent=trafo.vk_percent, pfe_kw=trafo.pfe_w / 1e3,
        i0_percent=trafo.i0_percent, shift_degree=0.0, name="transformer")
    for line in params.lines:
        cable = line.cable
        pp.create_line_from_parameters(
            net, buses[line.from_bus], buses[line.to_bus], length_km=line.length_km,
            r_ohm_per_km=cable.r_ohm_per_km, x_ohm_per_km=cable.x_ohm_per_km,
            c_nf_per_km=cable.c_nf_per_km, max_i_ka=cable.max_i_ka, parallel=line.parallel,
            name=line.name)
    for load in params.loads:
        pp.create_load(net, buses[load.bus], p_mw=0.0, name=load.name)
    return net


def run_pandapower(net, params, load_power_w):
    """Solve for ``load_power_w`` and return what GridFeeder reports, in its units."""
    for index, (load, p_w) in enumerate(zip(params.loads, load_power_w)):
        tan_phi = math.tan(math.acos(load.power_factor))
        net.load.at[index, "p_mw"] = p_w / 1e6
        net.load.at[index, "q_mvar"] = p_w * tan_phi / 1e6
    pp.runpp(net, tolerance_mva=1e-11, calculate_voltage_angles=True, numba=False)
    lv = net.bus.vn_kv < 1.0
    line_rows = net.line.index[net.line.name != "source"]
    return {
        "bus_voltages_v": (net.res_bus.vm_pu[lv] * net.bus.vn_kv[lv] * 1e3).to_numpy(),
        "feeder_power_w": float(net.res_trafo.p_hv_mw.iloc[0] * 1e6),
        "losses_w": float((net.res_trafo.pl_mw.sum() + net.res_line.pl_mw[line_rows].sum()) * 1e6),
        "transformer_loading": float(net.res_trafo.loading_percent.iloc[0] / 100.0),
        "line_loadings": (net.res_line.loading_percent[line_rows] / 100.0).to_numpy(),
    }
