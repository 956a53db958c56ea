output "ip_address" {
  description = "Private IPv4 address of RabbitMQ"
  value       = yandex_compute_instance.rabbitmq.network_interface[0].ip_address
}
