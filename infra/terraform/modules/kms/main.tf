# One symmetric key encrypts the files bucket, the Lockbox secrets and the VMs' disks.
resource "yandex_kms_symmetric_key" "this" {
  name                = "${var.name}-key"
  folder_id           = var.folder_id
  description         = "Kabinet: files, secrets, disks"
  default_algorithm   = "AES_256"
  rotation_period     = var.rotation_period
  deletion_protection = true
  labels              = var.labels

  lifecycle {
    prevent_destroy = true
  }
}
