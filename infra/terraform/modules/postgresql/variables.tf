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
  description = "zone => subnet id: one host per zone"
  type        = map(string)
}

variable "security_group_id" {
  description = "Security group admitting the app's VMs only"
  type        = string
}

variable "kms_key_id" {
  description = "KMS key encrypting the hosts' disks"
  type        = string
}

variable "postgresql_version" {
  description = "PostgreSQL major version (15 or newer)"
  type        = string
}

variable "resource_preset_id" {
  description = "Host class"
  type        = string
}

variable "disk_size_gb" {
  description = "Disk per host, GB"
  type        = number
}

variable "disk_size_limit_gb" {
  description = "Disk autoscaling limit, GB"
  type        = number
}

variable "backup_retain_period_days" {
  description = "Backups and PITR window, days"
  type        = number
}

variable "max_connections" {
  description = "PostgreSQL max_connections"
  type        = number
}

variable "database_name" {
  description = "Database name"
  type        = string
}

variable "user_name" {
  description = "Owner the app connects as"
  type        = string
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
