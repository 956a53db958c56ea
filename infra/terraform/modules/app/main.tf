# saas serve and saas worker on instance groups of Ubuntu VMs running Kabinet's image with
# Docker. Settings that are not secret come from Terraform; secrets are read from Lockbox
# at boot by the VM's service account (files/lockbox_env.py) into /run (tmpfs).
data "yandex_compute_image" "ubuntu" {
  family = "ubuntu-2404-lts-oslogin"
}

locals {
  zones = keys(var.subnet_ids)
  secret_refs = concat(
    [var.app_secret_version_id == "" ? var.secret_ids[0] : "${var.secret_ids[0]}:${var.app_secret_version_id}"],
    slice(var.secret_ids, 1, length(var.secret_ids)),
  )
  environment = {
    SAAS_ENV              = "production"
    SAAS_BASE_DOMAIN      = var.base_domain
    SAAS_TRUSTED_PROXIES  = var.trusted_proxies
    SAAS_STORAGE_URL      = var.storage_url
    SAAS_DB_POOL_SIZE     = tostring(var.db_pool_size)
    SAAS_MAIL_FROM        = var.mail_from
    SAAS_LOG_JSON         = "1"
    SENTRY_DSN            = var.sentry_dsn
    SENTRY_ENVIRONMENT    = var.sentry_environment
  }
  common = {
    lockbox_env  = file("${path.module}/../../files/lockbox_env.py")
    secret_refs  = join(" ", local.secret_refs)
    image        = var.image
    settings_env = join("\n", [for key, value in local.environment : "${key}=${value}" if value != ""])
    log_group_id = var.log_group_id
    fluent_bit   = var.fluent_bit_image
    port         = var.app_port
  }
}

resource "yandex_compute_instance_group" "api" {
  name                = "${var.name}-api"
  folder_id           = var.folder_id
  service_account_id  = var.instance_group_account_id
  deletion_protection = true
  labels              = var.labels

  instance_template {
    platform_id        = "standard-v3"
    service_account_id = var.service_account_id
    labels             = var.labels

    resources {
      cores  = var.api_cores
      memory = var.api_memory_gb
    }

    boot_disk {
      initialize_params {
        image_id = data.yandex_compute_image.ubuntu.id
        type     = "network-ssd"
        size     = 30
      }
    }

    network_interface {
      network_id         = var.network_id
      subnet_ids         = values(var.subnet_ids)
      nat                = false
      security_group_ids = [var.security_group_id]
    }

    metadata = {
      serial-port-enable = "0"
      enable-oslogin     = "true"
      user-data = templatefile("${path.module}/cloud-init.yaml.tftpl", merge(local.common, {
        role    = "api"
        command = "saas serve --host 0.0.0.0 --port ${var.app_port}"
        publish = true
      }))
    }
  }

  scale_policy {
    auto_scale {
      initial_size           = var.api_min_size
      min_zone_size          = 1
      max_size               = var.api_max_size
      measurement_duration   = 60
      cpu_utilization_target = 70
      warmup_duration        = 120
      stabilization_duration = 300
    }
  }

  allocation_policy {
    zones = local.zones
  }

  deploy_policy {
    max_unavailable  = 1
    max_expansion    = 1
    startup_duration = 180
  }

  # Liveness: the process answers (docs/operate.md). The load balancer checks /readyz.
  health_check {
    interval            = 10
    timeout             = 3
    healthy_threshold   = 2
    unhealthy_threshold = 6
    http_options {
      port = var.app_port
      path = "/healthz"
    }
  }

  application_load_balancer {
    target_group_name = "${var.name}-api"
  }
}

resource "yandex_compute_instance_group" "worker" {
  name                = "${var.name}-worker"
  folder_id           = var.folder_id
  service_account_id  = var.instance_group_account_id
  deletion_protection = true
  labels              = var.labels

  instance_template {
    platform_id        = "standard-v3"
    service_account_id = var.service_account_id
    labels             = var.labels

    resources {
      cores  = var.worker_cores
      memory = var.worker_memory_gb
    }

    boot_disk {
      initialize_params {
        image_id = data.yandex_compute_image.ubuntu.id
        type     = "network-ssd"
        size     = 30
      }
    }

    network_interface {
      network_id         = var.network_id
      subnet_ids         = values(var.subnet_ids)
      nat                = false
      security_group_ids = [var.security_group_id]
    }

    metadata = {
      serial-port-enable = "0"
      enable-oslogin     = "true"
      # The worker has no port: Docker restarts it (--restart always); `saas worker` stops
      # all its processes when one dies, so the restart covers the set.
      user-data = templatefile("${path.module}/cloud-init.yaml.tftpl", merge(local.common, {
        role    = "worker"
        command = "saas worker --processes ${var.worker_processes} --threads 4"
        publish = false
      }))
    }
  }

  scale_policy {
    fixed_scale {
      size = var.worker_size
    }
  }

  allocation_policy {
    zones = local.zones
  }

  deploy_policy {
    max_unavailable = 1
    max_expansion   = 0
  }
}
