#!/usr/bin/env python3
"""A stand-in for `claude --settings JSON CAST CONFIG_DIR`: runs the SessionStart hooks of
the settings as Claude Code does (a shell command, the event's JSON on stdin), then replays
the recording and its session file (replay_tx.py) as if Claude Code ran in this directory."""
import json, os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
args = sys.argv[1:]
settings = json.loads(args[args.index("--settings") + 1])
cast, config = [a for i, a in enumerate(args) if a != "--settings" and (i == 0 or args[i - 1] != "--settings")]
times = json.load(open(cast[:-len(".cast")] + ".transcript-times.json"))
session = times["session_ids"][0]
sys.path.insert(0, here)
from replay_tx import escape_cwd  # noqa: E402

cwd = os.getcwd()
event = {"session_id": session, "transcript_path": os.path.join(config, "projects", escape_cwd(cwd), session + ".jsonl"),
         "cwd": cwd, "hook_event_name": "SessionStart", "source": "startup"}
for entry in settings["hooks"]["SessionStart"]:
    for hook in entry["hooks"]:
        subprocess.run(hook["command"], shell=True, input=json.dumps(event).encode(), check=True)
os.execv(sys.executable, [sys.executable, os.path.join(here, "replay_tx.py"), cast, config, "--cwd", cwd, "--speed", "2"])
