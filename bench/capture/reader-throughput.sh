#!/usr/bin/env bash
# Throughput of capture on a bulk INSERT, of the ticker and of the batch reader, on a throwaway PostgreSQL 15.
# Usage: bench/capture/reader-throughput.sh [rows, default 1000000]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dotnet run -c Release --project "$here/ReaderThroughput" -- "${1:-1000000}"
