#!/usr/bin/env python3
"""Write the payloads of Lockbox secrets as an env file (KEY=value lines), mode 0600.

Runs at boot on Kabinet's VMs as root, with the VM's service account (IAM token from the
metadata service): secrets reach the VM's memory-backed /run, never Terraform's state.
Usage: lockbox_env.py OUT SECRET_ID[:VERSION_ID] [SECRET_ID[:VERSION_ID] ...]
       lockbox_env.py --token   (prints the IAM token, for `docker login cr.yandex`)
"""

import json
import os
import sys
import time
import urllib.request

METADATA = "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
PAYLOAD = "https://payload.lockbox.api.cloud.yandex.net/lockbox/v1/secrets/{}/payload"


def get(url: str, headers: dict[str, str]) -> dict:
    for attempt in range(30):
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)
        except OSError:
            time.sleep(min(2**attempt, 30))
    raise SystemExit(f"cannot reach {url.split('?')[0]}")


def main() -> None:
    token = get(METADATA, {"Metadata-Flavor": "Google"})["access_token"]
    if sys.argv[1:] == ["--token"]:
        print(token)
        return
    out, refs = sys.argv[1], sys.argv[2:]
    lines = []
    for ref in refs:
        secret_id, _, version_id = ref.partition(":")
        url = PAYLOAD.format(secret_id) + (f"?versionId={version_id}" if version_id else "")
        for entry in get(url, {"Authorization": f"Bearer {token}"})["entries"]:
            value = entry.get("textValue", "")
            if "\n" in value:
                raise SystemExit(f"{entry['key']}: multi-line values are not supported")
            lines.append(f"{entry['key']}={value}")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
