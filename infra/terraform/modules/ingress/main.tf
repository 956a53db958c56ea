# The application load balancer: TLS for the platform's host, every firm's subdomain (one
# wildcard certificate) and firms' own domains (one certificate each, by SNI), all issued
# and renewed by Certificate Manager (Let's Encrypt). HTTP redirects to HTTPS; WebSockets
# (GraphQL subscriptions) pass through; /metrics is not exposed.
resource "yandex_vpc_address" "this" {
  name                = "${var.name}-alb"
  folder_id           = var.folder_id
  deletion_protection = true
  labels              = var.labels

  external_ipv4_address {
    zone_id = keys(var.subnet_ids)[0]
  }
}

resource "yandex_cm_certificate" "platform" {
  name      = "${var.name}-platform"
  folder_id = var.folder_id
  domains   = [var.base_domain, "*.${var.base_domain}"]
  labels    = var.labels

  managed {
    # A wildcard needs a DNS challenge; the CNAME stays in place and renewals reuse it.
    challenge_type  = "DNS_CNAME"
    challenge_count = 1
  }
}

resource "yandex_cm_certificate" "custom" {
  for_each = toset(var.custom_domains)

  name      = "${var.name}-${replace(each.value, ".", "-")}"
  folder_id = var.folder_id
  domains   = [each.value]
  labels    = var.labels

  managed {
    # The firm adds one CNAME (see the output certificate_challenges), once.
    challenge_type = "DNS_CNAME"
  }
}

resource "yandex_dns_recordset" "challenge" {
  count = var.dns_zone_id == "" ? 0 : 1

  zone_id = var.dns_zone_id
  name    = yandex_cm_certificate.platform.challenges[0].dns_name
  type    = yandex_cm_certificate.platform.challenges[0].dns_type
  data    = [yandex_cm_certificate.platform.challenges[0].dns_value]
  ttl     = 600
}

resource "yandex_dns_recordset" "platform" {
  for_each = var.dns_zone_id == "" ? toset([]) : toset(["${var.base_domain}.", "*.${var.base_domain}."])

  zone_id = var.dns_zone_id
  name    = each.value
  type    = "A"
  ttl     = 300
  data    = [yandex_vpc_address.this.external_ipv4_address[0].address]
}

resource "yandex_alb_backend_group" "api" {
  name      = "${var.name}-api"
  folder_id = var.folder_id
  labels    = var.labels

  http_backend {
    name             = "api"
    weight           = 1
    port             = var.app_port
    target_group_ids = [var.target_group_id]

    load_balancing_config {
      panic_threshold = 50
    }

    # Readiness: database, broker and storage answer (docs/operate.md).
    healthcheck {
      timeout             = "4s"
      interval            = "5s"
      healthy_threshold   = 2
      unhealthy_threshold = 3
      http_healthcheck {
        path = "/readyz"
      }
    }
  }
}

resource "yandex_alb_http_router" "this" {
  name      = "${var.name}-router"
  folder_id = var.folder_id
  labels    = var.labels
}

resource "yandex_alb_virtual_host" "all" {
  name           = "all-hosts"
  http_router_id = yandex_alb_http_router.this.id
  # Every host: the platform, firms' subdomains and custom domains; Kabinet tells them apart.
  authority = ["*"]

  route {
    name = "no-metrics"
    http_route {
      http_match {
        path {
          prefix = "/metrics"
        }
      }
      direct_response_action {
        status = 404
      }
    }
  }

  route {
    name = "app"
    http_route {
      http_route_action {
        backend_group_id = yandex_alb_backend_group.api.id
        timeout          = "3600s"
        idle_timeout     = "900s"
        upgrade_types    = ["websocket"]
      }
    }
  }
}

resource "yandex_alb_load_balancer" "this" {
  name               = "${var.name}-alb"
  folder_id          = var.folder_id
  network_id         = var.network_id
  security_group_ids = [var.security_group_id]
  labels             = var.labels

  allocation_policy {
    dynamic "location" {
      for_each = var.subnet_ids
      content {
        zone_id   = location.key
        subnet_id = location.value
      }
    }
  }

  listener {
    name = "http"
    endpoint {
      address {
        external_ipv4_address {
          address = yandex_vpc_address.this.external_ipv4_address[0].address
        }
      }
      ports = [80]
    }
    http {
      redirects {
        http_to_https = true
      }
    }
  }

  listener {
    name = "https"
    endpoint {
      address {
        external_ipv4_address {
          address = yandex_vpc_address.this.external_ipv4_address[0].address
        }
      }
      ports = [443]
    }
    # HTTP/2 to browsers (issue 12): the cabinet's files, its GraphQL and the shell share one
    # connection instead of HTTP/1.1's six, each paying its own handshakes on a slow network.
    # (The provider refuses http2_options beside allow_http10; HTTP/1.0 is off by default.)
    tls {
      default_handler {
        http_handler {
          http_router_id = yandex_alb_http_router.this.id
          http2_options {
            max_concurrent_streams = 100
          }
        }
        certificate_ids = [yandex_cm_certificate.platform.id]
      }

      dynamic "sni_handler" {
        for_each = yandex_cm_certificate.custom
        content {
          name         = replace(sni_handler.key, ".", "-")
          server_names = [sni_handler.key]
          handler {
            http_handler {
              http_router_id = yandex_alb_http_router.this.id
              http2_options {
                max_concurrent_streams = 100
              }
            }
            certificate_ids = [sni_handler.value.id]
          }
        }
      }
    }
  }

  log_options {
    log_group_id = var.log_group_id
    discard_rule {
      http_code_intervals = ["HTTP_2XX", "HTTP_3XX"]
      discard_percent     = 90
    }
  }
}
