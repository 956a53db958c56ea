variable "cloud_id" {
  description = "Yandex Cloud cloud id (yc resource-manager cloud list)"
  type        = string
}

variable "folder_id" {
  description = "Folder everything is created in (one folder per environment)"
  type        = string
}

variable "default_zone" {
  description = "Zone of single-zone pieces (the broker VM, the load balancer's address)"
  type        = string
  default     = "ru-central1-a"
}

variable "name" {
  description = "Prefix of every resource's name"
  type        = string
  default     = "kabinet"
}

variable "environment" {
  description = "Label and Sentry environment (production, staging)"
  type        = string
  default     = "production"
}

variable "labels" {
  description = "Extra labels on every resource that takes them"
  type        = map(string)
  default     = {}
}

variable "subnets" {
  description = "One private subnet per zone for the VMs and the database: zone => IPv4 CIDR"
  type        = map(string)
  default = {
    "ru-central1-a" = "10.10.0.0/20"
    "ru-central1-b" = "10.10.16.0/20"
    "ru-central1-d" = "10.10.32.0/20"
  }
}

variable "alb_subnets" {
  description = "The load balancer's own subnets (zone => CIDR): the only proxies Kabinet trusts"
  type        = map(string)
  default = {
    "ru-central1-a" = "10.10.240.0/26"
    "ru-central1-b" = "10.10.240.64/26"
    "ru-central1-d" = "10.10.240.128/26"
  }
}

# ---- the platform's addresses ----

variable "base_domain" {
  description = "The platform's own host (SAAS_BASE_DOMAIN); firm acme is served at acme.<base_domain>"
  type        = string
}

variable "custom_domains" {
  description = "Firms' own domains (e.g. lk.acme.ru); each gets a managed certificate"
  type        = list(string)
  default     = []
}

variable "dns_zone_id" {
  description = "Cloud DNS zone of base_domain; empty: create the records at your DNS provider (see outputs)"
  type        = string
  default     = ""
}

# ---- application ----

variable "image" {
  description = "Kabinet's container image, by digest (cr.yandex/<registry>/kabinet@sha256:...)"
  type        = string
}

variable "app_secret_version_id" {
  description = "Version of the app's Lockbox secret to run with; empty: its current version"
  type        = string
  default     = ""
}

variable "sentry_dsn" {
  description = "Sentry DSN (SENTRY_DSN); empty: Sentry off. A DSN only lets one send events"
  type        = string
  default     = ""
}

variable "mail_from" {
  description = "SAAS_MAIL_FROM (SMTP credentials go into the app's Lockbox secret as SAAS_SMTP_URL)"
  type        = string
}

variable "log_retention" {
  description = "How long Cloud Logging keeps the logs"
  type        = string
  default     = "720h"
}

variable "api_min_size" {
  description = "API VMs at least (one per zone keeps a zone's loss invisible)"
  type        = number
  default     = 3
}

variable "api_max_size" {
  description = "API VMs at most (autoscaled on CPU)"
  type        = number
  default     = 6
}

variable "api_cores" {
  description = "vCPUs of an API VM"
  type        = number
  default     = 2
}

variable "api_memory_gb" {
  description = "Memory of an API VM, GB"
  type        = number
  default     = 4
}

variable "worker_size" {
  description = "Worker VMs"
  type        = number
  default     = 2
}

variable "worker_cores" {
  description = "vCPUs of a worker VM"
  type        = number
  default     = 2
}

variable "worker_memory_gb" {
  description = "Memory of a worker VM, GB"
  type        = number
  default     = 4
}

variable "worker_processes" {
  description = "saas worker --processes on each worker VM"
  type        = number
  default     = 2
}

variable "db_pool_size" {
  description = "SAAS_DB_POOL_SIZE per API process"
  type        = number
  default     = 10
}

# ---- PostgreSQL ----

variable "postgresql_version" {
  description = "Managed PostgreSQL major version (Kabinet needs 15 or newer)"
  type        = string
  default     = "16"

  validation {
    condition     = tonumber(var.postgresql_version) >= 15
    error_message = "Kabinet needs PostgreSQL 15 or newer."
  }
}

variable "db_resource_preset_id" {
  description = "Host class of each of the 3 PostgreSQL hosts (s3-c2-m8: 2 vCPU, 8 GB)"
  type        = string
  default     = "s3-c2-m8"
}

variable "db_disk_size_gb" {
  description = "Disk of each PostgreSQL host, GB"
  type        = number
  default     = 50
}

variable "db_disk_size_limit_gb" {
  description = "Disk grows automatically up to this size, GB"
  type        = number
  default     = 200
}

variable "db_backup_retain_period_days" {
  description = "Daily backups kept, days; point-in-time recovery reaches back as far"
  type        = number
  default     = 14
}

variable "db_max_connections" {
  description = "max_connections: at least API VMs x (2 x db_pool_size + 1) + workers + migrations"
  type        = number
  default     = 400
}

variable "db_name" {
  description = "Database name"
  type        = string
  default     = "kabinet"
}

variable "db_user" {
  description = "Database owner the application connects as"
  type        = string
  default     = "kabinet"
}

# ---- broker ----

variable "rabbitmq_image" {
  description = "RabbitMQ container image, pinned"
  type        = string
  default     = "rabbitmq:4.1.4-alpine"
}

variable "broker_user" {
  description = "RabbitMQ user Kabinet connects as (its password is generated in Lockbox)"
  type        = string
  default     = "kabinet"
}

variable "broker_cores" {
  description = "vCPUs of the RabbitMQ VM"
  type        = number
  default     = 2
}

variable "broker_memory_gb" {
  description = "Memory of the RabbitMQ VM, GB"
  type        = number
  default     = 4
}

variable "broker_disk_size_gb" {
  description = "RabbitMQ data disk, GB"
  type        = number
  default     = 30
}

# ---- object storage ----

variable "bucket_name" {
  description = "Bucket of the firms' files (globally unique)"
  type        = string
}

variable "bucket_noncurrent_version_days" {
  description = "Overwritten or deleted objects stay recoverable this many days"
  type        = number
  default     = 30
}

variable "access_log_bucket_name" {
  description = "Bucket receiving the files bucket's access logs (created here)"
  type        = string
}
