variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "network_id" {
  description = "VPC network id"
  type        = string
}

variable "subnet_ids" {
  description = "zone => subnet id"
  type        = map(string)
}

variable "security_group_id" {
  description = "Security group of the app's VMs"
  type        = string
}

variable "service_account_id" {
  description = "Service account the VMs run as"
  type        = string
}

variable "instance_group_account_id" {
  description = "Service account managing the instance groups"
  type        = string
}

variable "image" {
  description = "Kabinet's image, by digest"
  type        = string
}

variable "fluent_bit_image" {
  description = "Fluent Bit with Yandex Cloud Logging's output plugin, pinned"
  type        = string
  default     = "cr.yandex/yc/fluent-bit-plugin-yandex:v2.1.1-fluent-bit-2.1.7"
}

variable "app_port" {
  description = "Port saas serve listens on"
  type        = number
  default     = 8000
}

variable "secret_ids" {
  description = "Lockbox secrets whose entries become the environment: the app's first"
  type        = list(string)
}

variable "app_secret_version_id" {
  description = "Version of the app's secret (empty: current)"
  type        = string
  default     = ""
}

variable "log_group_id" {
  description = "Cloud Logging group"
  type        = string
}

variable "base_domain" {
  description = "SAAS_BASE_DOMAIN"
  type        = string
}

variable "trusted_proxies" {
  description = "SAAS_TRUSTED_PROXIES: the load balancer's subnets"
  type        = string
}

variable "storage_url" {
  description = "SAAS_STORAGE_URL without credentials"
  type        = string
}

variable "sentry_dsn" {
  description = "SENTRY_DSN (empty: off)"
  type        = string
  default     = ""
}

variable "sentry_environment" {
  description = "SENTRY_ENVIRONMENT"
  type        = string
}

variable "mail_from" {
  description = "SAAS_MAIL_FROM"
  type        = string
}

variable "api_min_size" {
  description = "API VMs at least"
  type        = number
}

variable "api_max_size" {
  description = "API VMs at most"
  type        = number
}

variable "api_cores" {
  description = "vCPUs per API VM"
  type        = number
}

variable "api_memory_gb" {
  description = "Memory per API VM, GB"
  type        = number
}

variable "worker_size" {
  description = "Worker VMs"
  type        = number
}

variable "worker_cores" {
  description = "vCPUs per worker VM"
  type        = number
}

variable "worker_memory_gb" {
  description = "Memory per worker VM, GB"
  type        = number
}

variable "worker_processes" {
  description = "saas worker --processes"
  type        = number
}

variable "db_pool_size" {
  description = "SAAS_DB_POOL_SIZE"
  type        = number
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
