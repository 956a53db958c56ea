# RabbitMQ on one VM (Yandex Cloud has no managed RabbitMQ): a Docker container on Ubuntu,
# its data on a separate encrypted disk with daily snapshots, the password from Lockbox.
# Kabinet's jobs survive a broker restart (durable queues, publisher confirms); a job whose
# message is lost is caught by the periodic sweeps (docs/operate.md). Managed Redis is the
# alternative (SAAS_BROKER_URL=rediss://...), but its password would be in Terraform's state.
data "yandex_compute_image" "ubuntu" {
  family = "ubuntu-2404-lts-oslogin"
}

resource "yandex_compute_disk" "data" {
  name       = "${var.name}-rabbitmq-data"
  folder_id  = var.folder_id
  zone       = var.zone
  type       = "network-ssd"
  size       = var.disk_size_gb
  kms_key_id = var.kms_key_id
  labels     = var.labels
}

resource "yandex_compute_snapshot_schedule" "data" {
  name      = "${var.name}-rabbitmq-daily"
  folder_id = var.folder_id
  labels    = var.labels

  schedule_policy {
    expression = "0 2 * * *"
  }
  retention_period = "168h"
  disk_ids         = [yandex_compute_disk.data.id]
}

resource "yandex_compute_instance" "rabbitmq" {
  name                      = "${var.name}-rabbitmq"
  folder_id                 = var.folder_id
  zone                      = var.zone
  platform_id               = "standard-v3"
  service_account_id        = var.service_account_id
  allow_stopping_for_update = true
  labels                    = var.labels

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
    disk_id     = yandex_compute_disk.data.id
    device_name = "rabbitmq-data"
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
      user_name   = var.user_name
      image       = var.rabbitmq_image
    })
  }

  scheduling_policy {
    preemptible = false
  }
}
