output "network_id" {
  description = "VPC network id"
  value       = yandex_vpc_network.this.id
}

output "subnet_ids" {
  description = "zone => subnet id"
  value       = { for zone, subnet in yandex_vpc_subnet.private : zone => subnet.id }
}

output "alb_subnet_ids" {
  description = "zone => subnet id of the load balancer's nodes"
  value       = { for zone, subnet in yandex_vpc_subnet.alb : zone => subnet.id }
}

output "alb_security_group_id" {
  description = "Security group of the load balancer"
  value       = yandex_vpc_security_group.alb.id
}

output "app_security_group_id" {
  description = "Security group of the API and worker VMs"
  value       = yandex_vpc_security_group.app.id
}

output "database_security_group_id" {
  description = "Security group of the PostgreSQL hosts"
  value       = yandex_vpc_security_group.database.id
}

output "broker_security_group_id" {
  description = "Security group of the RabbitMQ VM"
  value       = yandex_vpc_security_group.broker.id
}
