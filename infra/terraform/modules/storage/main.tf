# The firms' files: private, versioned, encrypted with the KMS key. Each firm's objects live
# under its own prefix (t<firm id>/); browsers get short-lived presigned links only.
resource "yandex_storage_bucket" "access_log" {
  bucket                = var.access_log_bucket_name
  folder_id             = var.folder_id
  default_storage_class = "COLD"
  tags                  = var.labels

  anonymous_access_flags {
    read        = false
    list        = false
    config_read = false
  }

  versioning {
    enabled = true
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        kms_master_key_id = var.kms_key_id
        sse_algorithm     = "aws:kms"
      }
    }
  }

  lifecycle_rule {
    id      = "expire-access-logs"
    enabled = true
    expiration {
      days = 365
    }
  }
}

resource "yandex_storage_bucket" "files" {
  bucket                = var.bucket_name
  folder_id             = var.folder_id
  default_storage_class = "STANDARD"
  tags                  = var.labels

  anonymous_access_flags {
    read        = false
    list        = false
    config_read = false
  }

  versioning {
    enabled = true
  }

  server_side_encryption_configuration {
    rule {
      apply_server_side_encryption_by_default {
        kms_master_key_id = var.kms_key_id
        sse_algorithm     = "aws:kms"
      }
    }
  }

  logging {
    target_bucket = yandex_storage_bucket.access_log.id
    target_prefix = "files/"
  }

  lifecycle_rule {
    id                                     = "noncurrent-versions"
    enabled                                = true
    abort_incomplete_multipart_upload_days = 7
    noncurrent_version_expiration {
      days = var.noncurrent_version_days
    }
  }

  # Uploads and previews go straight from the cabinet to presigned URLs.
  cors_rule {
    allowed_methods = ["GET", "PUT", "HEAD"]
    allowed_origins = var.allowed_origins
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }

  # Only the app's service account reaches the objects (and admins through folder roles).
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { CanonicalUser = var.app_service_account_id }
      Action    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:AbortMultipartUpload", "s3:GetBucketLocation"]
      Resource  = ["arn:aws:s3:::${var.bucket_name}", "arn:aws:s3:::${var.bucket_name}/*"]
    }]
  })
}

# S3 keys of the app's service account: written straight into a Lockbox secret (entries
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), so the secret key is never in the state.
resource "yandex_iam_service_account_static_access_key" "app" {
  service_account_id = var.app_service_account_id
  description        = "Kabinet: Object Storage (SAAS_STORAGE_URL)"

  output_to_lockbox {
    secret_id            = var.keys_secret_id
    entry_for_access_key = "AWS_ACCESS_KEY_ID"
    entry_for_secret_key = "AWS_SECRET_ACCESS_KEY"
  }
}
