"""The geometry of the state diagram, computed from the workflow table at request time: boxes for
the stages (the main road in a row, the side exits below), an edge per (transition, source,
destination). Nothing here is hard-coded about which stages or acts exist."""
from dataclasses import dataclass, field

from pipeline.accounts.models import ROLES
from pipeline.workflow.definition import MOVES
from pipeline.workflow.stages import STAGES

MARGIN = 20
BOX_W = 150
BOX_H = 96
GAP = 130  # between two main-road boxes: room for the arrow's label
LABEL_CHARS = 20  # characters per line of a wrapped label
TOP = 150  # space above the main road for the arcs and loops
EXIT_DROP = 190  # from the main road's bottom to the exits' top
EXIT_GAP = 30


def wrap(text, width=LABEL_CHARS):
    lines, line = [], ""
    for word in str(text).split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


@dataclass
class Box:
    stage: object
    x: float
    y: float
    count: int
    lines: list = field(default_factory=list)

    @property
    def cx(self):
        return self.x + BOX_W / 2

    @property
    def bottom(self):
        return self.y + BOX_H


@dataclass
class Edge:
    act: object
    source: str
    dest: str
    kind: str  # forward, arc, back, loop, exit, return
    path: str
    label_x: float = 0
    label_y: float = 0
    label_lines: list = field(default_factory=list)
    failed: bool = False  # the edge a vote takes when it does not pass

    @property
    def guard_names(self):
        return [str(g.label) for g in self.act.specific_guards]


def role_labels(act):
    return [ROLES[r] for r in ROLES if r in act.roles]


def build(counts):
    """counts: stage name -> cases in it. Returns (boxes by name, edges, width, height)."""
    main = [s for s in STAGES if not s.exit]
    exits = [s for s in STAGES if s.exit]
    boxes = {}
    for i, stage in enumerate(main):
        boxes[stage.name] = Box(stage, MARGIN + i * (BOX_W + GAP), TOP, counts.get(stage.name, 0), wrap(stage.label))
    # An exit sits below the stages it is left from, the exits kept apart.
    column = {s.name: i for i, s in enumerate(main)}
    wanted = []
    for stage in exits:
        sources = [column[src] for t in MOVES for src in t.sources
                   if stage.name in t.destinations and src in column]
        mean = sum(sources) / len(sources) if sources else len(main) - 1
        wanted.append((MARGIN + mean * (BOX_W + GAP), stage))
    exit_y = TOP + BOX_H + EXIT_DROP
    x_min = MARGIN
    for x, stage in sorted(wanted, key=lambda pair: pair[0]):
        x = max(x, x_min)
        boxes[stage.name] = Box(stage, x, exit_y, counts.get(stage.name, 0), wrap(stage.label))
        x_min = x + BOX_W + EXIT_GAP
    width = max(b.x + BOX_W for b in boxes.values()) + MARGIN
    height = exit_y + BOX_H + MARGIN

    edges, seen = [], set()
    loops = {}
    arcs = 0
    out_offsets, in_offsets = {}, {}
    for t in MOVES:
        for source in t.sources:
            for dest in t.destinations:
                if (t.name, source, dest) in seen or source not in boxes or dest not in boxes:
                    continue
                seen.add((t.name, source, dest))
                failed = bool(t.fail_dest) and dest == t.fail_dest and dest != t.dest
                a, b = boxes[source], boxes[dest]
                edge = Edge(t, source, dest, "", "", failed=failed)
                if source == dest:
                    n = loops[source] = loops.get(source, 0) + 1
                    x0, x1, h = a.x + 20 * n, a.x + BOX_W - 20 * n, 28 + 22 * n
                    edge.kind = "loop"
                    edge.path = f"M{x0},{a.y} C{x0},{a.y - h} {x1},{a.y - h} {x1},{a.y}"
                elif not a.stage.exit and not b.stage.exit:
                    if b.stage.step == a.stage.step + 1:
                        y = a.y + BOX_H / 2
                        edge.kind = "forward"
                        edge.path = f"M{a.x + BOX_W},{y} L{b.x},{y}"
                        edge.label_lines = wrap(t.label, 16)
                        edge.label_x = (a.x + BOX_W + b.x) / 2
                        edge.label_y = y - 10 - 13 * len(edge.label_lines)
                    else:
                        arcs += 1
                        h = 40 + 25 * arcs
                        edge.kind = "arc" if b.stage.step > a.stage.step else "back"
                        x0, x1 = a.cx + (10 if edge.kind == "arc" else -10), b.cx
                        edge.path = f"M{x0},{a.y} C{x0},{a.y - h} {x1},{a.y - h} {x1},{a.y}"
                else:
                    k = out_offsets[source] = out_offsets.get(source, 0) + 1
                    m = in_offsets[dest] = in_offsets.get(dest, 0) + 1
                    x0 = a.x + 12 * k if not a.stage.exit else a.x + BOX_W - 12 * k
                    x1 = b.x + BOX_W - 12 * m if b.stage.exit else b.x + 12 * m
                    y0 = a.bottom if not a.stage.exit else a.y
                    y1 = b.y if b.stage.exit else b.bottom
                    edge.kind = "exit" if b.stage.exit else "return"
                    edge.path = f"M{x0},{y0} L{x1},{y1}"
                edges.append(edge)
    return boxes, edges, width, height
