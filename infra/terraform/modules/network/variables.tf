variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "subnets" {
  description = "zone => IPv4 CIDR of its private subnet"
  type        = map(string)
}

variable "alb_subnets" {
  description = "zone => IPv4 CIDR of the load balancer's subnet"
  type        = map(string)
}

variable "app_port" {
  description = "Port saas serve listens on"
  type        = number
  default     = 8000
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
