variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "zone" {
  description = "Zone of the VM"
  type        = string
}

variable "subnet_id" {
  description = "Private subnet in that zone"
  type        = string
}

variable "security_group_id" {
  description = "Security group admitting AMQP from the app's VMs only"
  type        = string
}

variable "service_account_id" {
  description = "Service account the VM runs as (reads the broker's secret)"
  type        = string
}

variable "kms_key_id" {
  description = "KMS key encrypting the disks"
  type        = string
}

variable "secret_id" {
  description = "Lockbox secret with RABBITMQ_DEFAULT_PASS"
  type        = string
}

variable "user_name" {
  description = "RabbitMQ user (RABBITMQ_DEFAULT_USER)"
  type        = string
}

variable "rabbitmq_image" {
  description = "RabbitMQ image, pinned"
  type        = string
}

variable "cores" {
  description = "vCPUs"
  type        = number
}

variable "memory_gb" {
  description = "Memory, GB"
  type        = number
}

variable "disk_size_gb" {
  description = "Data disk, GB"
  type        = number
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
