"""The connection graph: algebraic loops through direct feedthrough and the
order in which Gauss-Seidel steps the components."""
from __future__ import annotations

from .fmu_info import FmuInfo
from .structure import Endpoint, SystemStructure


class AlgebraicLoop(ValueError):
    """A cycle of connections and direct feedthroughs (``ModelStructure``)."""

    def __init__(self, loops: list[list[Endpoint]], hint: str = ""):
        self.loops = loops
        text = "; ".join(" -> ".join(map(str, loop + loop[:1])) for loop in loops)
        super().__init__(f"algebraic loop(s) through direct feedthrough: {text}{hint}")


def _variable_graph(structure: SystemStructure, infos: dict[str, FmuInfo]) -> dict[Endpoint, list[Endpoint]]:
    graph: dict[Endpoint, list[Endpoint]] = {}
    for c in structure.connections:
        graph.setdefault(c.start, []).append(c.end)
    for name, info in infos.items():
        for output, inputs in info.feedthrough.items():
            for input_name in inputs:
                graph.setdefault(Endpoint(name, input_name), []).append(Endpoint(name, output))
    return graph


def _strongly_connected(graph: dict) -> list[list]:
    """Tarjan's algorithm, iterative; components in reverse topological order."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]
    nodes = list(graph) + [n for targets in graph.values() for n in targets]
    for root in dict.fromkeys(nodes):
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, ()))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    result.append(component)
    return result


def _cycle_in(component: list[Endpoint], graph) -> list[Endpoint]:
    """One cycle through the members of a strongly connected component, in order."""
    members = set(component)
    start = component[-1]
    path, seen, node = [start], {start}, start
    while True:
        node = next(n for n in graph.get(node, ()) if n in members)
        if node in seen:
            return path[path.index(node):]
        path.append(node)
        seen.add(node)


def algebraic_loops(structure: SystemStructure, infos: dict[str, FmuInfo]) -> list[list[Endpoint]]:
    graph = _variable_graph(structure, infos)
    return [_cycle_in(c, graph) for c in _strongly_connected(graph) if len(c) > 1]


def gauss_seidel_order(structure: SystemStructure, infos: dict[str, FmuInfo]) -> list[str]:
    """Components in Gauss-Seidel order: a component steps after those whose
    outputs it reads through direct feedthrough (it reacts to them at once);
    cycles are broken in declaration order, which keeps the order stable."""
    names = [c.name for c in structure.components]
    depends: dict[str, set[str]] = {n: set() for n in names}
    for c in structure.connections:
        reacts = any(c.end.variable in inputs for inputs in infos[c.end.component].feedthrough.values())
        if reacts and c.start.component != c.end.component:
            depends[c.end.component].add(c.start.component)
    order, placed = [], set()
    while len(order) < len(names):
        ready = [n for n in names if n not in placed and depends[n] <= placed]
        chosen = ready[0] if ready else next(n for n in names if n not in placed)
        order.append(chosen)
        placed.add(chosen)
    return order
