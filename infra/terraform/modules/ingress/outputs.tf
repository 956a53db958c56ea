output "ip_address" {
  description = "The load balancer's public IPv4 address"
  value       = yandex_vpc_address.this.external_ipv4_address[0].address
}

output "certificate_challenges" {
  description = "domain => CNAME record (name, value) that lets Certificate Manager issue and renew"
  value = merge(
    { (var.base_domain) = { name = yandex_cm_certificate.platform.challenges[0].dns_name, value = yandex_cm_certificate.platform.challenges[0].dns_value } },
    { for domain, cert in yandex_cm_certificate.custom : domain => { name = cert.challenges[0].dns_name, value = cert.challenges[0].dns_value } },
  )
}

output "load_balancer_id" {
  description = "ALB id"
  value       = yandex_alb_load_balancer.this.id
}
