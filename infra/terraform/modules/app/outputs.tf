output "api_target_group_id" {
  description = "ALB target group of the API VMs"
  value       = yandex_compute_instance_group.api.application_load_balancer[0].target_group_id
}

output "api_instance_group_id" {
  description = "API instance group id"
  value       = yandex_compute_instance_group.api.id
}

output "worker_instance_group_id" {
  description = "Worker instance group id"
  value       = yandex_compute_instance_group.worker.id
}
