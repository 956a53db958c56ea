# Optional variant (issue 16, docs/operate.md "Beyond one database: Citus"): a Citus cluster on
# VMs, for when one managed PostgreSQL no longer holds every firm. Yandex Cloud offers no
# managed Citus, so: one coordinator and `worker_count` workers, each a Docker container of a
# pinned Citus image on Ubuntu with its data on a separate encrypted disk and daily snapshots.
# Schema-based sharding is on from the first boot (citus.enable_schema_based_sharding): every
# firm's schema is a distributed schema. The nodes' password comes from Lockbox at boot.
# Not called from the root module: switching to it is a migration (docs/operate.md).
data "yandex_compute_image" "ubuntu" {
  family = "ubuntu-2404-lts-oslogin"
}

locals {
  nodes = concat(["coordinator"], [for i in range(var.worker_count) : "worker-${i + 1}"])
}

resource "yandex_compute_disk" "data" {
  for_each   = toset(local.nodes)
  name       = "${var.name}-citus-${each.key}-data"
  folder_id  = var.folder_id
  zone       = var.zone
  type       = "network-ssd"
  size       = var.disk_size_gb
  kms_key_id = var.kms_key_id
  labels     = var.labels
}

resource "yandex_compute_snapshot_schedule" "data" {
  name      = "${var.name}-citus-daily"
  folder_id = var.folder_id
  labels    = var.labels

  schedule_policy {
    expression = "0 3 * * *"
  }
  retention_period = "168h"
  disk_ids         = [for disk in yandex_compute_disk.data : disk.id]
}

resource "yandex_compute_instance" "node" {
  for_each                  = toset(local.nodes)
  name                      = "${var.name}-citus-${each.key}"
  hostname                  = "${var.name}-citus-${each.key}"
  folder_id                 = var.folder_id
  zone                      = var.zone
  platform_id               = "standard-v3"
  service_account_id        = var.service_account_id
  allow_stopping_for_update = true
  labels                    = merge(var.labels, { citus_role = each.key == "coordinator" ? "coordinator" : "worker" })

  resources {
    cores  = var.cores
    memory = var.memory_gb
  }

  boot_disk {
    initialize_params {
      image_id   = data.yandex_compute_image.ubuntu.id
      type       = "network-ssd"
      size       = 20
      kms_key_id = var.kms_key_id
    }
  }

  secondary_disk {
    disk_id     = yandex_compute_disk.data[each.key].id
    device_name = "citus-data"
  }

  network_interface {
    subnet_id          = var.subnet_id
    nat                = false
    security_group_ids = [var.security_group_id]
  }

  metadata = {
    serial-port-enable = "0"
    enable-oslogin     = "true"
    user-data = templatefile("${path.module}/cloud-init.yaml.tftpl", {
      lockbox_env = file("${path.module}/../../files/lockbox_env.py")
      secret_id   = var.secret_id
      image       = var.citus_image
    })
  }

  scheduling_policy {
    preemptible = false
  }
}
