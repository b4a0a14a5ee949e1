#!/usr/bin/env python3
"""The asyncio tutorial's batch downloader (section 9.8), for comparison.

A re-telling of the chapter's `AsyncDownloader` in a few lines, kept
faithful where it matters for speed: one `aiohttp.ClientSession` whose
`TCPConnector` allows `max_concurrent + 10` connections, an
`asyncio.Semaphore(max_concurrent)` around each download, the body read
with `iter_chunked(8192)` and written with plain blocking `write` calls,
retries with `2 ** attempt` seconds of back-off, `asyncio.gather` over
every URL, and a report printed at the end.

What is added is only what a benchmark needs: a command line like the
other tools' (`-j`, `-i`, `-o`) and a non-zero exit status when a
download failed, so that hyperfine notices.

    pip install aiohttp
    python3 tutorial_downloader.py -j 16 -i urls.txt -o out/
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import aiohttp


class AsyncDownloader:
    def __init__(self, max_concurrent=5, timeout=30, max_retries=3, output_dir="./downloads"):
        self.max_concurrent = max_concurrent
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_retries = max_retries
        self.output_dir = Path(output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._sem = asyncio.Semaphore(max_concurrent)

    def _get_filename(self, url):
        return Path(urlparse(url).path).name or "index.html"

    async def _download_one(self, session, url):
        filepath = self.output_dir / self._get_filename(url)
        for attempt in range(self.max_retries):
            try:
                async with self._sem:
                    async with session.get(url) as response:
                        response.raise_for_status()
                        with open(filepath, "wb") as f:
                            async for chunk in response.content.iter_chunked(8192):
                                f.write(chunk)
                size = filepath.stat().st_size
                return {"url": url, "file": str(filepath), "size": size, "status": "success"}
            except asyncio.TimeoutError:
                if attempt == self.max_retries - 1:
                    return {"url": url, "status": "timeout", "error": "timed out"}
                await asyncio.sleep(2**attempt)
            except Exception as e:
                if attempt == self.max_retries - 1:
                    return {"url": url, "status": "error", "error": str(e)}
                await asyncio.sleep(2**attempt)

    async def download_batch(self, urls):
        connector = aiohttp.TCPConnector(limit=self.max_concurrent + 10)
        async with aiohttp.ClientSession(connector=connector, timeout=self.timeout) as session:
            tasks = [self._download_one(session, url) for url in urls]
            return await asyncio.gather(*tasks)

    def run(self, urls):
        print(f"Downloading {len(urls)} files (concurrency: {self.max_concurrent})")
        print(f"Into: {self.output_dir.absolute()}\n")
        t0 = time.monotonic()
        results = asyncio.run(self.download_batch(urls))
        elapsed = time.monotonic() - t0
        success = [r for r in results if r["status"] == "success"]
        failed = [r for r in results if r["status"] != "success"]
        print(f"\n{'=' * 50}")
        print(f"Done in {elapsed:.1f}s")
        print(f"  succeeded: {len(success)}")
        print(f"  failed: {len(failed)}")
        for r in success:
            print(f"  ok {r['file']} ({r['size'] / 1024:.1f} KB)")
        for r in failed:
            print(f"  FAILED {r['url']}: {r.get('error', 'unknown error')}")
        return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", type=int, default=5, help="downloads in flight (the semaphore)")
    parser.add_argument("-i", required=True, help="file with one URL a line")
    parser.add_argument("-o", default="./downloads", help="output directory")
    args = parser.parse_args()
    with open(args.i) as f:
        urls = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    results = AsyncDownloader(max_concurrent=args.j, output_dir=args.o).run(urls)
    return 0 if all(r["status"] == "success" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
