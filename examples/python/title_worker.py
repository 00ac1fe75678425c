"""A Python worker: answers each HTML page it is given with the page's title, upper-cased when
started with --uppercase."""

import sys

import stockade_worker
from html_titles import title_of  # a module beside this file

UPPERCASE = "--uppercase" in sys.argv[1:]


def handle(payload, context):
    title = title_of(payload.decode("utf-8"))
    return title.upper() if UPPERCASE else title


if __name__ == "__main__":
    stockade_worker.run(handle)
