"""The title of an HTML page, with the standard library's parser: the module title_worker.py
imports from its own directory."""

from html.parser import HTMLParser


class _Title(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside = False
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.inside = True

    def handle_endtag(self, tag):
        if tag == "title":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.text.append(data)


def title_of(html):
    parser = _Title()
    parser.feed(html)
    parser.close()
    return "".join(parser.text).strip()
