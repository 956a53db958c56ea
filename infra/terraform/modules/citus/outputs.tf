output "coordinator_address" {
  description = "Private IPv4 address of the coordinator (the only node the app connects to)"
  value       = yandex_compute_instance.node["coordinator"].network_interface[0].ip_address
}

output "worker_addresses" {
  description = "Private IPv4 addresses of the workers (citus_add_node on the coordinator)"
  value       = [for key, node in yandex_compute_instance.node : node.network_interface[0].ip_address if key != "coordinator"]
}
