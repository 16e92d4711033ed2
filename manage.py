#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotse.settings")
    # Contact changes made by a command outside any recording block are recorded as made
    # by this command (directory/history.py); web requests record their own path.
    os.environ.setdefault("LOTSE_CHANGE_VIA", "command")
    os.environ.setdefault("LOTSE_CHANGE_REASON", " ".join(["manage.py", *sys.argv[1:2]]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
