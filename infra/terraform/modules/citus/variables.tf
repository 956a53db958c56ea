variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "zone" {
  description = "Zone of the nodes"
  type        = string
}

variable "subnet_id" {
  description = "Private subnet in that zone"
  type        = string
}

variable "security_group_id" {
  description = "Security group admitting PostgreSQL from the app's VMs and the nodes only"
  type        = string
}

variable "service_account_id" {
  description = "Service account the VMs run as (reads the cluster's secret)"
  type        = string
}

variable "kms_key_id" {
  description = "KMS key encrypting the disks"
  type        = string
}

variable "secret_id" {
  description = "Lockbox secret with POSTGRES_PASSWORD (same on every node)"
  type        = string
}

variable "citus_image" {
  description = "Citus image (12.1 or later: schema-based sharding), pinned"
  type        = string
}

variable "worker_count" {
  description = "Number of Citus workers"
  type        = number
  default     = 2
}

variable "cores" {
  description = "vCPUs per node"
  type        = number
}

variable "memory_gb" {
  description = "Memory per node, GB"
  type        = number
}

variable "disk_size_gb" {
  description = "Data disk per node, GB"
  type        = number
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
