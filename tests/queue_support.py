"""A page read as a tree (html.parser): the queue tests find rows by their classes and data."""
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def __getitem__(self, name):
        value = self.attrs[name]
        return value.split() if name == "class" else value

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or n.has_class(cls))
                and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def find(self, tag=None, cls=None, **attrs):
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def by_id(self, value):
        return self.find(id=value)

    def inside(self, value):
        """Whether an ancestor has this id."""
        node = self.parent
        while node is not None:
            if node.attrs.get("id") == value:
                return True
            node = node.parent
        return False

    def select(self, selector):
        """Simple CSS: compounds of tag, #id, .class and [attr="value"], joined by spaces."""
        found = [self]
        for compound in _compounds(selector):
            found = list(dict.fromkeys(n for node in found for n in node.walk() if _matches(n, compound)))
        return found

    def select_one(self, selector):
        found = self.select(selector)
        return found[0] if found else None

    def get_text(self, separator="", strip=False):
        parts = []
        for child in self.children:
            text = child.get_text(separator, strip) if isinstance(child, Node) else child
            if strip:
                text = text.strip()
            if text:
                parts.append(text)
        return separator.join(parts)


_PART = re.compile(r'([#.]?)([\w-]+)|\[([\w-]+)="([^"]*)"\]')


def _compounds(selector):
    for compound in re.findall(r'(?:[^\s"\[]|\[[^\]]*\])+', selector):
        yield [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in _PART.finditer(compound)]


def _matches(node, compound):
    for kind, name, attr, value in compound:
        if attr is not None:
            if node.attrs.get(attr) != value:
                return False
        elif kind == "#" and node.attrs.get("id") != name:
            return False
        elif kind == "." and not node.has_class(name):
            return False
        elif kind == "" and node.tag != name:
            return False
    return True


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, [(k, v or "") for k, v in attrs], self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, [(k, v or "") for k, v in attrs], self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def tree(markup):
    builder = _Builder()
    builder.feed(markup if isinstance(markup, str) else markup.decode())
    builder.close()
    return builder.root
