# Kabinet on Yandex Cloud: one folder, one region (ru-central1), three zones.
# Every piece of data (database, files, logs, backups) stays in Russia (152-FZ).

provider "yandex" {
  cloud_id  = var.cloud_id
  folder_id = var.folder_id
  zone      = var.default_zone
}

locals {
  name = var.name
  labels = merge(var.labels, {
    app         = "kabinet"
    environment = var.environment
  })
}

module "network" {
  source = "./modules/network"

  name      = local.name
  folder_id = var.folder_id
  subnets     = var.subnets
  alb_subnets = var.alb_subnets
  labels      = local.labels
}

module "kms" {
  source = "./modules/kms"

  name      = local.name
  folder_id = var.folder_id
  labels    = local.labels
}

# Service accounts: one the application's VMs run as (reads its secrets, writes logs and
# files), one the instance groups use to manage those VMs.
resource "yandex_iam_service_account" "app" {
  name        = "${local.name}-app"
  folder_id   = var.folder_id
  description = "Kabinet API and worker VMs: Lockbox payloads, Cloud Logging, Object Storage"
}

resource "yandex_iam_service_account" "instance_groups" {
  name        = "${local.name}-ig"
  folder_id   = var.folder_id
  description = "Creates and heals the VMs of Kabinet's instance groups"
}

resource "yandex_resourcemanager_folder_iam_member" "instance_groups" {
  for_each = toset(["compute.editor", "vpc.user", "alb.editor", "iam.serviceAccounts.user"])

  folder_id = var.folder_id
  role      = each.value
  member    = "serviceAccount:${yandex_iam_service_account.instance_groups.id}"
}

module "secrets" {
  source = "./modules/secrets"

  name               = local.name
  folder_id          = var.folder_id
  kms_key_id         = module.kms.key_id
  reader_account_ids = [yandex_iam_service_account.app.id]
  labels             = local.labels
}

module "postgresql" {
  source = "./modules/postgresql"

  name                      = local.name
  folder_id                 = var.folder_id
  network_id                = module.network.network_id
  subnet_ids                = module.network.subnet_ids
  security_group_id         = module.network.database_security_group_id
  kms_key_id                = module.kms.key_id
  postgresql_version        = var.postgresql_version
  resource_preset_id        = var.db_resource_preset_id
  disk_size_gb              = var.db_disk_size_gb
  disk_size_limit_gb        = var.db_disk_size_limit_gb
  backup_retain_period_days = var.db_backup_retain_period_days
  max_connections           = var.db_max_connections
  database_name             = var.db_name
  user_name                 = var.db_user
  labels                    = local.labels
}

module "broker" {
  source = "./modules/broker"

  name               = local.name
  folder_id          = var.folder_id
  zone               = var.default_zone
  subnet_id          = module.network.subnet_ids[var.default_zone]
  security_group_id  = module.network.broker_security_group_id
  service_account_id = yandex_iam_service_account.app.id
  kms_key_id         = module.kms.key_id
  secret_id          = module.secrets.broker_secret_id
  user_name          = var.broker_user
  rabbitmq_image     = var.rabbitmq_image
  cores              = var.broker_cores
  memory_gb          = var.broker_memory_gb
  disk_size_gb       = var.broker_disk_size_gb
  labels             = local.labels
}

module "storage" {
  source = "./modules/storage"

  folder_id                  = var.folder_id
  bucket_name                = var.bucket_name
  kms_key_id                 = module.kms.key_id
  app_service_account_id     = yandex_iam_service_account.app.id
  keys_secret_id             = module.secrets.storage_keys_secret_id
  allowed_origins            = concat(["https://${var.base_domain}", "https://*.${var.base_domain}"], [for d in var.custom_domains : "https://${d}"])
  noncurrent_version_days    = var.bucket_noncurrent_version_days
  access_log_bucket_name     = var.access_log_bucket_name
  labels                     = local.labels
}

resource "yandex_logging_group" "this" {
  name             = "${local.name}-logs"
  folder_id        = var.folder_id
  retention_period = var.log_retention
  labels           = local.labels
}

resource "yandex_resourcemanager_folder_iam_member" "app" {
  # logging.writer: ship container logs; kms: encrypt and decrypt objects in the bucket;
  # images.puller: pull Kabinet's image from Container Registry.
  for_each = toset(["logging.writer", "kms.keys.encrypterDecrypter", "container-registry.images.puller"])

  folder_id = var.folder_id
  role      = each.value
  member    = "serviceAccount:${yandex_iam_service_account.app.id}"
}

module "app" {
  source = "./modules/app"

  name                         = local.name
  folder_id                    = var.folder_id
  network_id                   = module.network.network_id
  subnet_ids                   = module.network.subnet_ids
  security_group_id            = module.network.app_security_group_id
  service_account_id           = yandex_iam_service_account.app.id
  instance_group_account_id    = yandex_iam_service_account.instance_groups.id
  image                        = var.image
  secret_ids                   = [module.secrets.app_secret_id, module.secrets.storage_keys_secret_id, module.secrets.secret_key_secret_id]
  app_secret_version_id        = var.app_secret_version_id
  log_group_id                 = yandex_logging_group.this.id
  base_domain                  = var.base_domain
  trusted_proxies              = join(",", values(var.alb_subnets))
  storage_url                  = module.storage.storage_url
  sentry_dsn                   = var.sentry_dsn
  sentry_environment           = var.environment
  mail_from                    = var.mail_from
  api_min_size                 = var.api_min_size
  api_max_size                 = var.api_max_size
  api_cores                    = var.api_cores
  api_memory_gb                = var.api_memory_gb
  worker_size                  = var.worker_size
  worker_cores                 = var.worker_cores
  worker_memory_gb             = var.worker_memory_gb
  worker_processes             = var.worker_processes
  db_pool_size                 = var.db_pool_size
  labels                       = local.labels

  depends_on = [yandex_resourcemanager_folder_iam_member.instance_groups]
}

module "ingress" {
  source = "./modules/ingress"

  name              = local.name
  folder_id         = var.folder_id
  network_id        = module.network.network_id
  subnet_ids        = module.network.alb_subnet_ids
  security_group_id = module.network.alb_security_group_id
  target_group_id   = module.app.api_target_group_id
  base_domain       = var.base_domain
  custom_domains    = var.custom_domains
  dns_zone_id       = var.dns_zone_id
  log_group_id      = yandex_logging_group.this.id
  labels            = local.labels
}
