# Lockbox secrets. Terraform creates the containers only; their values are added by the
# operator (`yc lockbox secret add-version`, README step 5) or by the cloud itself (the S3
# keys), so no secret value ever passes through Terraform's variables or state.
resource "yandex_lockbox_secret" "app" {
  name                = "${var.name}-app"
  folder_id           = var.folder_id
  description         = "SAAS_DATABASE_URL, SAAS_BROKER_URL, SAAS_SECRET_KEY, SAAS_SMTP_URL"
  kms_key_id          = var.kms_key_id
  deletion_protection = true
  labels              = var.labels
}

resource "yandex_lockbox_secret" "storage_keys" {
  name                = "${var.name}-storage-keys"
  folder_id           = var.folder_id
  description         = "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (written by the static key resource)"
  kms_key_id          = var.kms_key_id
  deletion_protection = true
  labels              = var.labels
}

resource "yandex_lockbox_secret" "broker" {
  name                = "${var.name}-broker"
  folder_id           = var.folder_id
  description         = "RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS"
  kms_key_id          = var.kms_key_id
  deletion_protection = true
  labels              = var.labels
}

locals {
  secrets = {
    app          = yandex_lockbox_secret.app.id
    storage_keys = yandex_lockbox_secret.storage_keys.id
    broker       = yandex_lockbox_secret.broker.id
  }
}

resource "yandex_lockbox_secret_iam_binding" "readers" {
  for_each = local.secrets

  secret_id = each.value
  role      = "lockbox.payloadViewer"
  members   = [for id in var.reader_account_ids : "serviceAccount:${id}"]
}
