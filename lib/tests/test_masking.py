from django.test import SimpleTestCase

from lib.masking import mask_name, mask_phone, mask_text


class MaskNameTests(SimpleTestCase):
    def test_it_keeps_the_first_character(self):
        self.assertEqual(mask_name("王小明"), "王**")
        self.assertEqual(mask_name("欧阳娜娜"), "欧**")
        self.assertEqual(mask_name("王"), "王**")

    def test_it_hides_the_length_of_the_name(self):
        self.assertEqual(len(mask_name("王五")), len(mask_name("王小明明")))

    def test_it_answers_empty_for_no_name(self):
        self.assertEqual(mask_name(""), "")
        self.assertEqual(mask_name(None), "")
        self.assertEqual(mask_name("  "), "")

    def test_it_strips_spaces_first(self):
        self.assertEqual(mask_name(" John Smith"), "J**")


class MaskPhoneTests(SimpleTestCase):
    def test_it_masks_a_mobile_number(self):
        self.assertEqual(mask_phone("13812341234"), "138****1234")

    def test_it_ignores_separators_and_the_country_code(self):
        self.assertEqual(mask_phone("138-1234-1234"), "138****1234")
        self.assertEqual(mask_phone("+86 138 1234 1234"), "138****1234")

    def test_it_masks_a_landline(self):
        self.assertEqual(mask_phone("0755-12345678"), "075*****5678")
        self.assertEqual(mask_phone("1234567"), "12***67")

    def test_it_stars_everything_of_short_numbers(self):
        self.assertEqual(mask_phone("12345"), "*****")
        self.assertEqual(mask_phone(""), "")
        self.assertEqual(mask_phone(None), "")


class MaskTextTests(SimpleTestCase):
    def test_it_masks_phone_numbers_in_text(self):
        self.assertEqual(mask_text("请打13812341234联系"), "请打138****1234联系")
        self.assertEqual(mask_text("电话 138 1234 1234。"), "电话 138****1234。")
        self.assertEqual(mask_text("座机 87654321"), "座机 876*4321")

    def test_it_masks_full_width_digits(self):
        self.assertNotIn("１２３４５６７８", mask_text("电话１２３４５６７８"))

    def test_it_leaves_short_numbers_alone(self):
        self.assertEqual(mask_text("3楼 2号 下午5点"), "3楼 2号 下午5点")

    def test_it_masks_names_and_hides_words(self):
        text = mask_text("周业主家 1-1-101 厨房漏水", names=["周业主"], words=["1-1-101"])
        self.assertEqual(text, "周**家 *** 厨房漏水")

    def test_it_ignores_one_character_names_and_words(self):
        self.assertEqual(mask_text("王先生说1楼漏水", names=["王"], words=["1", ""]), "王先生说1楼漏水")

    def test_it_handles_no_text(self):
        self.assertEqual(mask_text(None), "")
        self.assertEqual(mask_text(""), "")
