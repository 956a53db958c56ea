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
  description = "zone => subnet id: the load balancer has a node in each"
  type        = map(string)
}

variable "security_group_id" {
  description = "Security group of the load balancer"
  type        = string
}

variable "target_group_id" {
  description = "ALB target group of the API VMs"
  type        = string
}

variable "app_port" {
  description = "Port saas serve listens on"
  type        = number
  default     = 8000
}

variable "base_domain" {
  description = "The platform's host"
  type        = string
}

variable "custom_domains" {
  description = "Firms' own domains"
  type        = list(string)
  default     = []
}

variable "dns_zone_id" {
  description = "Cloud DNS zone of base_domain (empty: records made elsewhere)"
  type        = string
  default     = ""
}

variable "log_group_id" {
  description = "Cloud Logging group for access logs"
  type        = string
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
