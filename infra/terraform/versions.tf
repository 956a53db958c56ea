terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    yandex = {
      source = "yandex-cloud/yandex"
      # Pinned to one minor release: features used here (generated database passwords kept in
      # Lockbox, static keys written to Lockbox, database disks encrypted with KMS, ALB
      # WebSocket upgrades) need a recent one. Raise it on purpose, after `terraform plan`
      # shows no surprise; commit .terraform.lock.hcl after the first `terraform init`.
      version = "~> 0.175.0"
    }
  }

  # State holds no secret (see README: passwords live in Lockbox only), but keep it private
  # and encrypted all the same: an Object Storage bucket with server-side encryption.
  # Fill in with `terraform init -backend-config=backend.hcl` (see README, step 3).
  backend "s3" {}
}
